output "daily_run_url" {
  description = "URL of daily_run: the scheduler's target; a manual run is an authenticated POST here."
  value       = google_cloudfunctions2_function.daily_run.service_config[0].uri
}

output "run_division_url" {
  description = "URL of run_division: settings [cloud.tasks] url."
  value       = google_cloudfunctions2_function.run_division.service_config[0].uri
}

output "runtime_service_account" {
  description = "The functions' identity: settings [cloud.tasks] service_account; the client id for Gmail domain-wide delegation."
  value       = google_service_account.runtime.email
}

output "scheduler_service_account" {
  description = "The OIDC identity of the 09:00 scheduler call."
  value       = google_service_account.scheduler.email
}

output "tasks_queue" {
  description = "The Cloud Tasks queue of the fan-out (projects/P/locations/L/queues/Q)."
  value       = google_cloud_tasks_queue.divisions.id
}

output "scheduler_job" {
  description = "The Cloud Scheduler job (`gcloud scheduler jobs run` runs it now)."
  value       = google_cloud_scheduler_job.daily.id
}

output "secrets" {
  description = "Secret ids by role; add their versions before the first run (README)."
  value       = { for key, secret in google_secret_manager_secret.followup : key => secret.secret_id }
}

output "source_bucket" {
  description = "The private bucket holding the functions' source archives."
  value       = google_storage_bucket.source.name
}

output "firestore_database" {
  description = "The Firestore database of the ledger: settings [ledger] and [tokens] database."
  value       = google_firestore_database.followup.name
}

output "settings_snippet" {
  description = "The Google Cloud part of followup.toml for this deployment: paste it into the settings file stored in the config secret."
  value       = <<-EOT
    [tokens]
    backend = "secret_manager"
    project = "${var.project_id}"
    secret = "${google_secret_manager_secret.followup["exact_tokens"].secret_id}"
    lease_collection = "${var.token_lease_collection}"
    database = "${google_firestore_database.followup.name}"

    [ledger]
    backend = "firestore"
    project = "${var.project_id}"
    database = "${google_firestore_database.followup.name}"
    collection_prefix = "${var.collection_prefix}"

    [cloud.tasks]
    project = "${var.project_id}"
    location = "${var.region}"
    queue = "${google_cloud_tasks_queue.divisions.name}"
    url = "${google_cloudfunctions2_function.run_division.service_config[0].uri}"
    service_account = "${google_service_account.runtime.email}"
  EOT
}
