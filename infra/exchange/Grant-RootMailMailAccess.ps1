<#
.SYNOPSIS
  RBAC for Applications in Exchange Online: lets RootMail's identity read mail in the central mailbox only.

.DESCRIPTION
  RootMail reads the central mailbox with Microsoft Graph (Mail.Read, application permission). Granted in Entra
  ID, Mail.Read would open every mailbox of the tenant. Instead it is granted here, in Exchange Online, as the
  role "Application Mail.Read" limited by a management scope that matches the central mailbox alone.
  Do NOT also grant Mail.Read to the identity in Entra ID: permissions add up, and the tenant-wide grant would
  win (infra/exchange/PERMISSIONS.md).

  The identity is the user-assigned managed identity of infra/main.bicep (outputs MANAGED_IDENTITY_CLIENT_ID and
  MANAGED_IDENTITY_PRINCIPAL_ID). For a managed identity, the principal id is the object id of its service
  principal (Entra admin center > Enterprise applications > Managed identities).
  Needs: Exchange Administrator (or Organization Management). Safe to run again.

.EXAMPLE
  ./Grant-RootMailMailAccess.ps1 -AppId <MANAGED_IDENTITY_CLIENT_ID> -ServicePrincipalObjectId <MANAGED_IDENTITY_PRINCIPAL_ID> `
      -CentralMailbox aws-root@contoso.com -OtherMailboxForTest someone@contoso.com
#>
#Requires -Modules ExchangeOnlineManagement
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $AppId,
  [Parameter(Mandatory)] [string] $ServicePrincipalObjectId,
  [Parameter(Mandatory)] [string] $CentralMailbox,
  # A mailbox the app must NOT be able to read; the script proves the scope excludes it.
  [Parameter(Mandatory)] [string] $OtherMailboxForTest,
  [string] $DisplayName = 'RootMail',
  [string] $ScopeName = 'RootMail central mailbox'
)
$ErrorActionPreference = 'Stop'
if (-not (Get-ConnectionInformation)) { Connect-ExchangeOnline -ShowBanner:$false }

# 1. Exchange's pointer to the Entra service principal.
if (-not (Get-ServicePrincipal -Identity $AppId -ErrorAction SilentlyContinue)) {
  New-ServicePrincipal -AppId $AppId -ObjectId $ServicePrincipalObjectId -DisplayName $DisplayName | Out-Null
  Write-Host "Service principal $DisplayName registered in Exchange Online"
}

# 2. A scope that matches the central mailbox and nothing else.
$filter = "PrimarySmtpAddress -eq '$CentralMailbox'"
if (Get-ManagementScope -Identity $ScopeName -ErrorAction SilentlyContinue) {
  Set-ManagementScope -Identity $ScopeName -RecipientRestrictionFilter $filter
} else {
  New-ManagementScope -Name $ScopeName -RecipientRestrictionFilter $filter | Out-Null
}
Write-Host "Management scope '$ScopeName': $filter"

# 3. The role, limited to that scope.
$assignmentName = "$DisplayName - Application Mail.Read - $ScopeName"
if (-not (Get-ManagementRoleAssignment -Identity $assignmentName -ErrorAction SilentlyContinue)) {
  New-ManagementRoleAssignment -Name $assignmentName -Role 'Application Mail.Read' -App $AppId `
    -CustomResourceScope $ScopeName | Out-Null
  Write-Host "Assigned 'Application Mail.Read' on '$ScopeName'"
}

# 4. Prove it: in scope for the central mailbox, out of scope for anyone else.
$central = Test-ServicePrincipalAuthorization -Identity $AppId -Resource $CentralMailbox |
  Where-Object { $_.RoleName -eq 'Application Mail.Read' }
$other = Test-ServicePrincipalAuthorization -Identity $AppId -Resource $OtherMailboxForTest |
  Where-Object { $_.RoleName -eq 'Application Mail.Read' }
$central | Format-Table RoleName, GrantedPermissions, AllowedResourceScope, InScope
if (-not ($central.InScope -contains $true)) {
  throw "The app cannot read $CentralMailbox yet. Changes can take up to 2 hours to apply in Exchange Online; if it stays so, check the scope filter (Get-Recipient -RecipientPreviewFilter `"$filter`")."
}
if ($other.InScope -contains $true) {
  throw "The app can also read $OtherMailboxForTest: remove any other Mail.Read grant (Entra ID or Exchange) before going live."
}
Write-Host "OK: Mail.Read for $CentralMailbox only." -ForegroundColor Green
