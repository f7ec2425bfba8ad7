<#
.SYNOPSIS
  Creates the central shared mailbox RootMail reads, then runs the pool plan from `npm run pool:plan` and checks
  that every alias of the plan's CSV exists in Exchange Online before you import it.

.DESCRIPTION
  Order of work (docs/deployment.md, step "Exchange"):
    1. npm run pool:plan -- --mailboxes 2 --per-mailbox 300 --domain contoso.com
       writes a PowerShell script (shared pool mailboxes, forwarding to the central mailbox,
       Set-Mailbox -EmailAddresses @{Add=...}) and the matching CSV (columns mailbox,address).
    2. this script: creates the central shared mailbox if missing, runs the plan script, and lists every address
       of the CSV that Exchange does not know yet (aliases take a few minutes to appear).
    3. once it reports "all addresses present": npm run pool:import -- <the CSV>  (or POST /api/v1/pool/import).
  Shared mailboxes need no licence up to 50 GB. Plan ~300 aliases per mailbox: Exchange documents 400 proxy
  addresses per mailbox, but a hard cap of 333 has been seen in practice.
  Safe to run again: existing mailboxes are kept, aliases already present are skipped by Exchange.

.EXAMPLE
  ./New-RootMailMailboxes.ps1 -CentralMailbox aws-root@contoso.com -PlanScript ./pool-plan.ps1 -PlanCsv ./pool.csv
#>
#Requires -Modules ExchangeOnlineManagement
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $CentralMailbox,
  [string] $CentralDisplayName = 'AWS root mail (RootMail)',
  # The script written by `npm run pool:plan`; leave out to only check the CSV against Exchange.
  [string] $PlanScript,
  [Parameter(Mandatory)] [string] $PlanCsv,
  # Only check; change nothing.
  [switch] $CheckOnly
)
$ErrorActionPreference = 'Stop'

if (-not (Get-ConnectionInformation)) { Connect-ExchangeOnline -ShowBanner:$false }

if (-not $CheckOnly) {
  $central = Get-EXOMailbox -Identity $CentralMailbox -ErrorAction SilentlyContinue
  if (-not $central) {
    $alias = ($CentralMailbox -split '@')[0]
    Write-Host "Creating the central shared mailbox $CentralMailbox"
    New-Mailbox -Shared -Name $CentralDisplayName -Alias $alias -PrimarySmtpAddress $CentralMailbox | Out-Null
  } else {
    Write-Host "Central mailbox $CentralMailbox exists ($($central.RecipientTypeDetails))"
  }
  if ($PlanScript) {
    Write-Host "Running the pool plan $PlanScript"
    & $PlanScript
  }
}

# Which addresses of the plan does Exchange know? Only those may be imported.
$rows = Import-Csv -Path $PlanCsv
$byMailbox = $rows | Group-Object -Property mailbox
$missing = @()
foreach ($group in $byMailbox) {
  $mailbox = Get-EXOMailbox -Identity $group.Name -Properties EmailAddresses, ForwardingAddress -ErrorAction SilentlyContinue
  if (-not $mailbox) {
    Write-Warning "Mailbox $($group.Name) does not exist yet"
    $missing += $group.Group.address
    continue
  }
  $known = $mailbox.EmailAddresses | ForEach-Object { ($_ -replace '^smtp:', '').ToLowerInvariant() }
  if ($known.Count -gt 333) { Write-Warning "$($group.Name) has $($known.Count) addresses (over the 333 seen as a hard cap)" }
  if (-not $mailbox.ForwardingAddress) { Write-Warning "$($group.Name) does not forward to the central mailbox" }
  $missing += $group.Group.address | Where-Object { $known -notcontains $_.ToLowerInvariant() }
}

if ($missing.Count -eq 0) {
  Write-Host "All $($rows.Count) addresses present. Next: npm run pool:import -- $PlanCsv" -ForegroundColor Green
} else {
  Write-Warning "$($missing.Count) of $($rows.Count) addresses are not in Exchange yet (new aliases take minutes). Run again with -CheckOnly before importing."
  $missing | Select-Object -First 20 | ForEach-Object { Write-Host "  missing: $_" }
  exit 1
}
