variable "project_id" {
  type        = string
  description = "The Google Cloud project that runs followup."
}

variable "region" {
  type        = string
  description = "Region of the functions, the Cloud Tasks queue, the scheduler job, the source bucket and the secrets' replica."
  default     = "europe-west1"
}

variable "name" {
  type        = string
  description = "Prefix of every resource name (service accounts, functions, queue, job, secrets, bucket)."
  default     = "followup"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,16}$", var.name))
    error_message = "3 to 17 characters: lower-case letters, digits and '-', starting with a letter."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every resource that takes them."
  default     = { app = "followup" }
}

variable "source_archive" {
  type        = string
  description = "The deployable source archive built by `make package` (main.py, requirements.txt, the followup package and the templates)."
  default     = "../build/function-source.zip"
}

variable "firestore_database" {
  type        = string
  description = "Firestore database of the ledger, the trigger book and the leases; settings [ledger] database must match. \"(default)\" gets the free tier."
  default     = "(default)"
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (a multi-region such as eur3, or a region such as europe-west1). Can't change after creation."
  default     = "eur3"
}

variable "collection_prefix" {
  type        = string
  description = "Settings [ledger] collection_prefix: the ledger's collections get TTL policies and an index under this prefix."
  default     = "followup_"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]*$", var.collection_prefix))
    error_message = "Letters, digits, '_' and '-' only."
  }
}

variable "token_lease_collection" {
  type        = string
  description = "Settings [tokens] lease_collection: the Firestore collection of the Exact token refresh lease (gets a TTL policy too)."
  default     = "followup_leases"
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Firestore database (the ledger: what was mailed) from deletion."
  default     = true
}

variable "gmail_auth" {
  type        = string
  description = "How the functions reach Gmail: \"user\" (a user's refresh token and the OAuth client secret in Secret Manager) or \"delegation\" (Workspace domain-wide delegation, keyless: the runtime service account signs for itself)."
  default     = "user"

  validation {
    condition     = contains(["user", "delegation"], var.gmail_auth)
    error_message = "Either \"user\" or \"delegation\"."
  }
}

variable "mailbox_secrets" {
  type = list(object({
    division  = number
    secret_id = string
    purpose   = optional(string)
    rotates   = optional(bool, false)
  }))
  description = "An accountancy office's mailboxes: one Secret Manager secret per mailbox credential of an administration (Exact division), with the id its settings profile names ([division.N.mail.transport] refresh_token_secret or password_secret, [division.N.mail.transport.oauth] refresh_token_secret). rotates = true for a Microsoft 365 / Outlook.com XOAUTH2 refresh token only (the functions store each new one); a Gmail refresh token or a password is only read."
  default     = []

  validation {
    condition     = alltrue([for mailbox in var.mailbox_secrets : can(regex("^[A-Za-z0-9_-]{1,255}$", mailbox.secret_id))])
    error_message = "Each secret_id is a Secret Manager secret id: 1 to 255 letters, digits, '_' and '-'."
  }

  validation {
    condition     = alltrue([for mailbox in var.mailbox_secrets : mailbox.division > 0 && floor(mailbox.division) == mailbox.division])
    error_message = "Each division is an Exact division number: a positive whole number."
  }

  validation {
    condition     = length(distinct([for mailbox in var.mailbox_secrets : mailbox.secret_id])) == length(var.mailbox_secrets)
    error_message = "Each secret_id appears once: one secret per mailbox credential."
  }
}

variable "function_memory" {
  type        = string
  description = "Memory of each function instance (one division runs per instance)."
  default     = "512Mi"
}

variable "daily_run_timeout_seconds" {
  type        = number
  description = "Timeout of daily_run: a fan-out takes seconds, a single division runs inline. At most 1800 (the scheduler's attempt deadline); keep [cloud] trigger_lease_seconds above it."
  default     = 1800

  validation {
    condition     = var.daily_run_timeout_seconds >= 60 && var.daily_run_timeout_seconds <= 1800
    error_message = "Between 60 and 1800 seconds."
  }
}

variable "run_division_timeout_seconds" {
  type        = number
  description = "Timeout of run_division, one division's run. At most 1800 (Cloud Tasks' dispatch deadline for HTTP tasks)."
  default     = 1800

  validation {
    condition     = var.run_division_timeout_seconds >= 60 && var.run_division_timeout_seconds <= 1800
    error_message = "Between 60 and 1800 seconds."
  }
}

variable "run_division_max_instances" {
  type        = number
  description = "Most run_division instances at once; keep it at or above tasks_max_concurrent_dispatches."
  default     = 10
}

variable "daily_run_ingress" {
  type        = string
  description = "Ingress of daily_run. ALLOW_ALL lets an authenticated manual POST in from outside Google Cloud (the invoker IAM still decides who); ALLOW_INTERNAL_ONLY admits Cloud Scheduler and callers inside the project's network only."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.daily_run_ingress)
    error_message = "ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "manual_invokers" {
  type        = list(string)
  description = "Who may call daily_run by hand: IAM members naming a user, group or service account (\"user:owner@example.nl\", \"group:finance@example.nl\"). Public members are refused."
  default     = []

  validation {
    condition     = alltrue([for m in var.manual_invokers : can(regex("^(user|group|serviceAccount):[^@]+@[^@]+$", m))])
    error_message = "Each member is user:EMAIL, group:EMAIL or serviceAccount:EMAIL; public members are not allowed."
  }
}

variable "scheduler_paused" {
  type        = bool
  description = "Create the 09:00 job paused (e.g. until the settings and tokens are in place)."
  default     = false
}

variable "scheduler_retry_count" {
  type        = number
  description = "How often Cloud Scheduler retries a failed daily call (a repeated call of a finished run does nothing)."
  default     = 3

  validation {
    condition     = var.scheduler_retry_count >= 0 && var.scheduler_retry_count <= 5
    error_message = "Between 0 and 5."
  }
}

variable "tasks_max_dispatches_per_second" {
  type        = number
  description = "Cloud Tasks: division runs started per second at most."
  default     = 1
}

variable "tasks_max_concurrent_dispatches" {
  type        = number
  description = "Cloud Tasks: division runs at the same time at most (they share one Exact token and one Gmail mailbox)."
  default     = 5
}

variable "tasks_max_attempts" {
  type        = number
  description = "Cloud Tasks: attempts per division task (the first included) before it is dropped; the ledger keeps retries from mailing twice. An office's overview task waits for late divisions with 3 retries, so at least 4."
  default     = 5

  validation {
    condition     = var.tasks_max_attempts >= 4 && var.tasks_max_attempts == floor(var.tasks_max_attempts)
    error_message = "tasks_max_attempts: a whole number, at least 4 (the office overview task waits for late divisions with 3 retries)."
  }
}

variable "notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids (projects/P/notificationChannels/N) told when a run fails. Empty: the alert shows in the console only."
  default     = []
}

variable "build_service_account" {
  type        = string
  description = "Service account Cloud Build uses to build the functions (projects/P/serviceAccounts/EMAIL); null: the project's default."
  default     = null
}
