#!/usr/bin/env bash
# Creates or updates the "RootMail API" app registration: the resource /api/v1 accepts tokens for, for
# automation (app roles) and for the Teams tab (delegated scope access_as_user, Teams SSO and Nested App
# Authentication). The bot itself runs as a user-assigned managed identity, which cannot expose an API or
# be signed in to, hence this registration; it has no secret and no certificate. Bicep cannot create Entra
# applications, so this script does it with the Azure CLI (az ad …, az rest against Microsoft Graph).
#
#   infra/entra/register-rootmail-api.sh --host rootmail.contoso.com [--client-id <existing app id>]
#
# Idempotent: run it again after the host changes, or to repair a registration. Needs `az login` as an
# Application Administrator (or Cloud Application Administrator); `--grant-consent` also needs a Privileged
# Role Administrator / Global Administrator. Prints the settings to use at the end.
set -euo pipefail

host=""
client_id=""
display_name="RootMail API"
grant_consent=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) host="$2"; shift 2 ;;
    --client-id) client_id="$2"; shift 2 ;;
    --display-name) display_name="$2"; shift 2 ;;
    --grant-consent) grant_consent=true; shift ;;
    *) echo "Unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
if [[ -z "$host" || "$host" == *"/"* || "$host" == *":"* ]]; then
  echo "Give --host: the host name the app is served from, e.g. rootmail.contoso.com (no https://, no path)." >&2
  exit 2
fi

graph="https://graph.microsoft.com/v1.0"
# Teams and Microsoft 365 clients that may ask for access_as_user without a consent prompt (Teams SSO).
# https://learn.microsoft.com/microsoftteams/platform/tabs/how-to/authentication/tab-sso-register-aad
teams_clients=(
  1fec8e78-bce4-4aaf-ab1b-5451cc387264 # Teams desktop and mobile
  5e3ce6c0-2b1f-4285-8d4b-75ee78787346 # Teams web
  4765445b-32c6-49b0-83e6-1d93765276ca # Microsoft 365 web
  0ec893e0-5785-4de6-99da-4ed124e5296c # Microsoft 365 desktop
  d3590ed6-52b3-4102-aeff-aad2292ab01c # Microsoft 365 mobile, Outlook desktop
  bc59ab01-8403-45c6-8796-ac3ef710b3e3 # Outlook web
  27922004-5251-4030-b22d-91ecd9a37ea4 # Outlook mobile
)

if [[ -z "$client_id" ]]; then
  client_id=$(az ad app list --display-name "$display_name" --query "[0].appId" -o tsv)
fi
if [[ -z "$client_id" ]]; then
  echo "Creating the app registration \"$display_name\"…"
  client_id=$(az ad app create --display-name "$display_name" --sign-in-audience AzureADMyOrg --query appId -o tsv)
fi
object_id=$(az ad app show --id "$client_id" --query id -o tsv)
app_id_uri="api://${host}/${client_id}"
echo "App registration: $display_name, client id $client_id"

# The scope keeps its id across runs: preauthorisations and consents refer to it.
scope_id=$(az ad app show --id "$client_id" \
  --query "api.oauth2PermissionScopes[?value=='access_as_user'].id | [0]" -o tsv)
[[ -n "$scope_id" ]] || scope_id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
role_id() {
  local existing
  existing=$(az ad app show --id "$client_id" --query "appRoles[?value=='$1'].id | [0]" -o tsv)
  [[ -n "$existing" ]] && echo "$existing" || (cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
}
read_id=$(role_id Addresses.Read)
allocate_id=$(role_id Addresses.Allocate)
admin_id=$(role_id Addresses.Admin)

# 1. The Application ID URI Teams SSO requires (api://<host>/<client id>), v2 tokens, the scope, the app roles
#    for automation, and the SPA redirect Nested App Authentication requires (brk-multihub://<host>).
az rest --method PATCH --uri "$graph/applications/$object_id" --headers "Content-Type=application/json" --body "$(cat <<JSON
{
  "identifierUris": ["$app_id_uri"],
  "api": {
    "requestedAccessTokenVersion": 2,
    "oauth2PermissionScopes": [{
      "id": "$scope_id",
      "value": "access_as_user",
      "type": "User",
      "isEnabled": true,
      "adminConsentDisplayName": "Use RootMail as the signed-in user",
      "adminConsentDescription": "The RootMail tab acts for the signed-in user, with the rights that user has in RootMail.",
      "userConsentDisplayName": "Use RootMail as you",
      "userConsentDescription": "The RootMail tab in Teams acts for you, with the rights you have in RootMail."
    }]
  },
  "appRoles": [
    {"id": "$read_id", "value": "Addresses.Read", "allowedMemberTypes": ["Application"], "isEnabled": true,
     "displayName": "Read root e-mail address records", "description": "Look up addresses, the pool and request status."},
    {"id": "$allocate_id", "value": "Addresses.Allocate", "allowedMemberTypes": ["Application"], "isEnabled": true,
     "displayName": "Allocate root e-mail addresses without approval", "description": "Allocate an address at once (account factories)."},
    {"id": "$admin_id", "value": "Addresses.Admin", "allowedMemberTypes": ["Application"], "isEnabled": true,
     "displayName": "Administer root e-mail addresses and the pool", "description": "Change or retire any record and import the alias pool."}
  ],
  "spa": { "redirectUris": ["brk-multihub://$host"] },
  "requiredResourceAccess": [
    {"resourceAppId": "$client_id", "resourceAccess": [{"id": "$scope_id", "type": "Scope"}]}
  ]
}
JSON
)"

# 2. Teams and Microsoft 365 clients preauthorised for the scope (it must exist first, hence a second call).
preauthorized=""
for client in "${teams_clients[@]}"; do
  preauthorized+="${preauthorized:+,}{\"appId\": \"$client\", \"delegatedPermissionIds\": [\"$scope_id\"]}"
done
az rest --method PATCH --uri "$graph/applications/$object_id" --headers "Content-Type=application/json" \
  --body "{\"api\": {\"preAuthorizedApplications\": [$preauthorized]}}"

# 3. The service principal (the registration's presence in the tenant), and optionally the admin consent
#    for the tab's own request of access_as_user under Nested App Authentication.
az ad sp show --id "$client_id" >/dev/null 2>&1 || az ad sp create --id "$client_id" >/dev/null
if [[ "$grant_consent" == true ]]; then
  az ad app permission admin-consent --id "$client_id"
fi

tenant=$(az account show --query tenantId -o tsv)
cat <<DONE

Done. Settings (infra/main.bicep sets the first three itself from its apiAudience parameter):
  API_AUDIENCE=$client_id,$app_id_uri
  API_ISSUER=https://login.microsoftonline.com/$tenant/v2.0,https://sts.windows.net/$tenant/
  API_JWKS_URL=https://login.microsoftonline.com/$tenant/discovery/v2.0/keys
  apiAudience (infra/main.parameters.json) = TAB_CLIENT_ID (npm run package) = $client_id
$( [[ "$grant_consent" == true ]] || echo "Grant admin consent once, or users see a consent prompt in the tab: rerun with --grant-consent, or Entra admin center → App registrations → $display_name → API permissions → Grant admin consent." )
DONE
