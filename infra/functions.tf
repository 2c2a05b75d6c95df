# The source archive (built by `make package`) in a private bucket, and the two gen2 functions.
#
# Settings: the settings file lives in the Secret Manager secret `<name>-config` and is mounted
# at /etc/followup/followup.toml (FOLLOWUP_CONFIG points there), so it is neither in the archive
# nor in the Terraform state, and a new version needs no redeploy. Secrets the settings would
# otherwise hold come in as environment variables from their own secrets.

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Access logs of a bucket only Terraform and Cloud Build read would need a second bucket; Cloud Audit Logs record admin access.
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name}-source"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket_object" "source" {
  # Named by content: a changed archive is a new object, and the functions redeploy.
  name         = "function-source-${filemd5(var.source_archive)}.zip"
  bucket       = google_storage_bucket.source.name
  source       = var.source_archive
  content_type = "application/zip"
}

locals {
  config_mount = "/etc/followup"
  environment = {
    FOLLOWUP_CONFIG  = "${local.config_mount}/followup.toml"
    LOG_EXECUTION_ID = "true"
  }
  # Secrets handed in as environment variables (read once per instance; none of them rotates).
  secret_env = merge(
    { FOLLOWUP_EXACT_CLIENT_SECRET = "exact_client_secret" },
    var.gmail_auth == "user" ? { FOLLOWUP_GMAIL_CLIENT_SECRET = "gmail_client_secret" } : {},
  )
}

resource "google_cloudfunctions2_function" "daily_run" {
  #checkov:skip=CKV_GCP_124:Ingress is var.daily_run_ingress (ALLOW_ALL by default) so the owner's authenticated manual POST gets in; run.invoker IAM decides who may call (the scheduler account and var.manual_invokers, never public). Set ALLOW_INTERNAL_ONLY to close it.
  project     = var.project_id
  name        = "${var.name}-daily-run"
  location    = var.region
  description = "Cloud Scheduler's 09:00 call (and manual runs): one division inline, more fanned out over Cloud Tasks."

  build_config {
    runtime         = "python312"
    entry_point     = "daily_run"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.runtime.email
    available_memory                 = var.function_memory
    timeout_seconds                  = var.daily_run_timeout_seconds
    min_instance_count               = 0
    max_instance_count               = 2
    max_instance_request_concurrency = 1
    ingress_settings                 = var.daily_run_ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = local.environment

    dynamic "secret_environment_variables" {
      for_each = local.secret_env
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.followup[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }

    secret_volumes {
      mount_path = local.config_mount
      project_id = var.project_id
      secret     = google_secret_manager_secret.followup["config"].secret_id
      versions {
        version = "latest"
        path    = "followup.toml"
      }
    }
  }

  depends_on = [
    google_project_service.required,
    google_secret_manager_secret_iam_member.runtime_reads,
  ]
}

resource "google_cloudfunctions2_function" "run_division" {
  project     = var.project_id
  name        = "${var.name}-run-division"
  location    = var.region
  description = "One division's run, delivered as a Cloud Tasks task (OIDC)."

  build_config {
    runtime         = "python312"
    entry_point     = "run_division"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.runtime.email
    available_memory                 = var.function_memory
    timeout_seconds                  = var.run_division_timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.run_division_max_instances
    max_instance_request_concurrency = 1
    ingress_settings                 = "ALLOW_INTERNAL_ONLY" # Cloud Tasks of this project only
    all_traffic_on_latest_revision   = true
    environment_variables            = local.environment

    dynamic "secret_environment_variables" {
      for_each = local.secret_env
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.followup[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }

    secret_volumes {
      mount_path = local.config_mount
      project_id = var.project_id
      secret     = google_secret_manager_secret.followup["config"].secret_id
      versions {
        version = "latest"
        path    = "followup.toml"
      }
    }
  }

  depends_on = [
    google_project_service.required,
    google_secret_manager_secret_iam_member.runtime_reads,
  ]
}

# Who may call which function (Cloud Run's invoker IAM checks the OIDC token before our code
# runs). Nobody else, and never the public.
resource "google_cloud_run_service_iam_member" "scheduler_invokes_daily_run" {
  project  = var.project_id
  location = google_cloudfunctions2_function.daily_run.location
  service  = google_cloudfunctions2_function.daily_run.name
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}

resource "google_cloud_run_service_iam_member" "people_invoke_daily_run" {
  for_each = toset(var.manual_invokers)

  project  = var.project_id
  location = google_cloudfunctions2_function.daily_run.location
  service  = google_cloudfunctions2_function.daily_run.name
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_service_iam_member" "tasks_invoke_run_division" {
  project  = var.project_id
  location = google_cloudfunctions2_function.run_division.location
  service  = google_cloudfunctions2_function.run_division.name
  role     = "roles/run.invoker"
  member   = google_service_account.runtime.member
}
