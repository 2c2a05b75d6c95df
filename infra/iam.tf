# Two identities, each with only what it needs:
# - runtime: both functions run as it. Firestore on one database, its secrets one by one, the
#   queue to enqueue on, run_division to invoke (the tasks' OIDC identity), itself to act as
#   (creating a task that carries its OIDC token) and, for Gmail delegation only, to sign as.
# - scheduler: the 09:00 call's OIDC identity; may invoke daily_run and nothing else.

resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "${var.name}-runtime"
  display_name = "followup functions"
  description  = "Runs daily_run and run_division; the OIDC identity of the division tasks."
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${var.name}-scheduler"
  display_name = "followup scheduler"
  description  = "The OIDC identity of the 09:00 Cloud Scheduler call to daily_run."
}

# Firestore: ledger, trigger book and leases, on followup's database only.
resource "google_project_iam_member" "runtime_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.runtime.member

  condition {
    title       = "followup-database-only"
    description = "Only the database that holds followup's ledger."
    expression  = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.followup.name}\""
  }
}

# A task's OIDC token is minted for the runtime account: whoever creates the task must be
# allowed to act as it (actAs), here the runtime account itself.
resource "google_service_account_iam_member" "runtime_acts_as_itself_for_tasks" {
  service_account_id = google_service_account.runtime.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.runtime.member
}

# Keyless Gmail domain-wide delegation: the runtime account signs its own JWT through IAM.
resource "google_service_account_iam_member" "runtime_signs_for_gmail_delegation" {
  count = var.gmail_auth == "delegation" ? 1 : 0

  service_account_id = google_service_account.runtime.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.runtime.member
}
