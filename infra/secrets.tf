# The secrets, created without values: add versions with `gcloud secrets versions add` (README).
# Each gets exactly the roles its use needs, granted on the secret, never on the project:
# every one is read (secretAccessor); the Exact tokens rotate on every refresh, so the runtime
# also adds a version and destroys the old ones (secretVersionManager, which includes
# secretVersionAdder's add; no secret gets versionAdder alone).
# An accountancy office's mailboxes (var.mailbox_secrets): one secret per mailbox credential of
# an administration, named as its settings profile names it. A Gmail refresh token or a mailbox
# password is only read; a Microsoft 365 / Outlook.com XOAUTH2 refresh token rotates (MSAL hands
# out a new one, which the functions store at once: a version added, the older ones destroyed),
# so an entry with rotates = true gets secretVersionManager like the Exact tokens.
locals {
  secrets = merge(
    {
      config = {
        id      = "${var.name}-config"
        rotates = false
        purpose = "the settings file (followup.toml), mounted at /etc/followup/followup.toml"
      }
      exact_client_secret = {
        id      = "${var.name}-exact-client-secret"
        rotates = false
        purpose = "the Exact app's client secret, FOLLOWUP_EXACT_CLIENT_SECRET"
      }
      exact_tokens = {
        id      = "${var.name}-exact-tokens"
        rotates = true
        purpose = "Exact's refresh and access token (JSON), rotated by the functions"
      }
    },
    var.gmail_auth == "user" ? {
      gmail_refresh_token = {
        id      = "${var.name}-gmail-refresh-token"
        rotates = false
        purpose = "the Gmail user's refresh token (followup auth gmail)"
      }
      gmail_client_secret = {
        id      = "${var.name}-gmail-client-secret"
        rotates = false
        purpose = "the OAuth client's secret, FOLLOWUP_GMAIL_CLIENT_SECRET"
      }
    } : {},
    {
      for mailbox in var.mailbox_secrets : "mailbox_${mailbox.secret_id}" => {
        id      = mailbox.secret_id
        rotates = mailbox.rotates
        purpose = coalesce(mailbox.purpose, "a mailbox credential of division ${mailbox.division} ([division.${mailbox.division}.mail.transport])")
      }
    },
  )
}

resource "google_secret_manager_secret" "followup" {
  for_each  = local.secrets
  project   = var.project_id
  secret_id = each.value.id
  annotations = {
    purpose = each.value.purpose
  }

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length(distinct([for secret in values(local.secrets) : secret.id])) == length(local.secrets)
      error_message = "A mailbox_secrets secret_id is one of followup's own secret ids (${var.name}-config, ${var.name}-exact-tokens, …): choose another."
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_secret_manager_secret_iam_member" "runtime_reads" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = google_secret_manager_secret.followup[each.key].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}

resource "google_secret_manager_secret_iam_member" "runtime_rotates" {
  for_each = { for key, secret in local.secrets : key => secret if secret.rotates }

  project   = var.project_id
  secret_id = google_secret_manager_secret.followup[each.key].secret_id
  role      = "roles/secretmanager.secretVersionManager"
  member    = google_service_account.runtime.member
}
