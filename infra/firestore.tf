# The ledger's database, the TTL policy of every collection group the functions write (each
# document carries `expire_at`), and the one composite index the ledger's queries need
# (adapters/firestore/claims.py: last_reminders filters division and kind, with a range on claimed_day).
# docs/google-cloud.md says who writes each kind of document, and how.
locals {
  ledger_collections = [
    "claims", "leases", "pauses", "watermarks", "runs", # the ledger
    "triggers",                                         # the trigger book
    "refused_writes",                                   # fenced writes that found a successor
    "claim_retries", "trigger_takeovers",               # no longer written: kept until they expire
  ]
  ttl_collection_groups = toset(concat(
    [for c in local.ledger_collections : "${var.collection_prefix}${c}"],
    [var.token_lease_collection],
  ))
}

resource "google_firestore_database" "followup" {
  project                           = var.project_id
  name                              = var.firestore_database
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.required]
}

resource "google_firestore_field" "expire_at" {
  for_each = local.ttl_collection_groups

  project    = var.project_id
  database   = google_firestore_database.followup.name
  collection = each.value
  field      = "expire_at"

  ttl_config {}

  # No single-field index on the TTL timestamp: nothing queries it, and a monotonic indexed
  # field caps write rates.
  index_config {}
}

resource "google_firestore_index" "claims_by_division_kind_day" {
  project    = var.project_id
  database   = google_firestore_database.followup.name
  collection = "${var.collection_prefix}claims"

  fields {
    field_path = "division"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "claimed_day"
    order      = "ASCENDING"
  }
}
