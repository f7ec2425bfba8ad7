<#
.SYNOPSIS
  Grants Microsoft Graph application permissions to RootMail's managed identity (the portal's "Grant admin
  consent" button does not exist for managed identities).

.DESCRIPTION
  Grants User.Read.All (requesters' managers for approvals) and, with -AllowAppInstallForUsers,
  TeamsAppInstallation.ReadWriteForUser.All (install the app for an approver who has not installed it yet).
  Mail.Read is deliberately NOT granted here: Grant-RootMailMailAccess.ps1 grants it in Exchange Online for the
  central mailbox only. The script refuses to go on while the identity holds a tenant-wide Mail.Read.
  Needs: Privileged Role Administrator or Global Administrator. Safe to run again.

.EXAMPLE
  ./Grant-RootMailGraphPermissions.ps1 -ServicePrincipalObjectId <MANAGED_IDENTITY_PRINCIPAL_ID>
#>
#Requires -Modules Microsoft.Graph.Applications
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $ServicePrincipalObjectId,
  [switch] $AllowAppInstallForUsers
)
$ErrorActionPreference = 'Stop'
Connect-MgGraph -Scopes 'AppRoleAssignment.ReadWrite.All', 'Application.Read.All' -NoWelcome

$graph = Get-MgServicePrincipal -Filter "appId eq '00000003-0000-0000-c000-000000000000'"
$wanted = @('User.Read.All')
if ($AllowAppInstallForUsers) { $wanted += 'TeamsAppInstallation.ReadWriteForUser.All' }

$current = Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $ServicePrincipalObjectId |
  Where-Object { $_.ResourceId -eq $graph.Id }
$currentNames = $current | ForEach-Object { $id = $_.AppRoleId; ($graph.AppRoles | Where-Object Id -eq $id).Value }

$tooBroad = $currentNames | Where-Object { $_ -in @('Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic.All') }
if ($tooBroad) {
  throw "The identity holds tenant-wide $($tooBroad -join ', ') in Entra ID. Remove it (Remove-MgServicePrincipalAppRoleAssignment); mail access comes from Exchange RBAC for Applications only."
}

foreach ($name in $wanted) {
  if ($currentNames -contains $name) { Write-Host "$name already granted"; continue }
  $role = $graph.AppRoles | Where-Object { $_.Value -eq $name -and $_.AllowedMemberTypes -contains 'Application' }
  New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $ServicePrincipalObjectId `
    -PrincipalId $ServicePrincipalObjectId -ResourceId $graph.Id -AppRoleId $role.Id | Out-Null
  Write-Host "Granted $name"
}
Write-Host 'Done. Managed identity tokens are cached for up to 24 hours, so new roles can take that long to reach the app.'
