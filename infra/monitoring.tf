# An alert when a run fails: the functions log one JSON line with event "run_failed" per failed
# division or run (followup/cloud), and Cloud Scheduler logs an error when its call failed
# (which also covers a function that never answered).

resource "google_logging_metric" "failed_runs" {
  project     = var.project_id
  name        = "${var.name}/failed_runs"
  description = "followup runs or divisions that failed, and failed 09:00 scheduler calls."
  filter      = <<-EOT
    (resource.type="cloud_run_revision"
     AND resource.labels.service_name=("${google_cloudfunctions2_function.daily_run.name}" OR "${google_cloudfunctions2_function.run_division.name}")
     AND jsonPayload.event="run_failed")
    OR (resource.type="cloud_scheduler_job"
     AND resource.labels.job_id="${google_cloud_scheduler_job.daily.name}"
     AND severity>=ERROR)
  EOT

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "followup failed runs"
  }
}

resource "google_monitoring_alert_policy" "failed_runs" {
  project               = var.project_id
  display_name          = "followup: a daily run failed"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "a failed run or division was logged"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.failed_runs.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A followup run failed. In Logs Explorer: `jsonPayload.event="run_failed"` (the line says
      which division and whether a retry can help; Cloud Scheduler and Cloud Tasks retry by
      themselves). Credentials refused: run `followup auth exact` / `followup auth gmail`.
    EOT
  }
}
