# 09:00 Europe/Amsterdam, every day: Cloud Scheduler calls daily_run with an OIDC token. A
# failed call is retried with the same X-CloudScheduler-ScheduleTime; the trigger book turns a
# repeat of a finished call into a no-op. More than one division fans out over the queue below.

resource "google_cloud_scheduler_job" "daily" {
  project          = var.project_id
  region           = var.region
  name             = "${var.name}-daily"
  description      = "followup: thank the customers who paid, remind the overdue ones."
  schedule         = "0 9 * * *"
  time_zone        = "Europe/Amsterdam"
  paused           = var.scheduler_paused
  attempt_deadline = "${var.daily_run_timeout_seconds}s"

  retry_config {
    retry_count          = var.scheduler_retry_count
    min_backoff_duration = "300s"
    max_backoff_duration = "1800s"
    max_doublings        = 2
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.daily_run.service_config[0].uri
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.daily_run.service_config[0].uri
    }
  }

  depends_on = [google_project_service.required]
}

# One task per (run date, division), named, to run_division with the runtime account's OIDC
# token (the fan-out sets it on each task). The rate limits keep a few divisions running at
# once: they share one Exact token and one Gmail mailbox's quota.
resource "google_cloud_tasks_queue" "divisions" {
  project  = var.project_id
  name     = "${var.name}-divisions"
  location = var.region

  rate_limits {
    max_dispatches_per_second = var.tasks_max_dispatches_per_second
    max_concurrent_dispatches = var.tasks_max_concurrent_dispatches
  }

  retry_config {
    max_attempts       = var.tasks_max_attempts
    min_backoff        = "60s"
    max_backoff        = "1800s"
    max_doublings      = 3
    max_retry_duration = "14400s"
  }

  stackdriver_logging_config {
    sampling_ratio = 1.0
  }

  depends_on = [google_project_service.required]
}

resource "google_cloud_tasks_queue_iam_member" "runtime_enqueues" {
  project  = var.project_id
  location = google_cloud_tasks_queue.divisions.location
  name     = google_cloud_tasks_queue.divisions.name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.runtime.member
}
