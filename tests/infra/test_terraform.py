"""infra/ parses, and keeps its rules: the schedule, OIDC everywhere, nobody public, least
privilege, the ledger's TTL policies and index, every variable and output described."""

from __future__ import annotations

import re

import pytest

from infra.terraform import INFRA, Module, block, load

ROOT = INFRA.parent
ADAPTERS = ROOT / "functions" / "followup" / "adapters"


@pytest.fixture(scope="module")
def tf() -> Module:
    return load()


def test_the_standard_files_are_there() -> None:
    names = {p.name for p in INFRA.iterdir()}
    assert {"versions.tf", "variables.tf", "outputs.tf", "README.md"} <= names


def test_terraform_and_the_provider_are_pinned_to_ranges(tf: Module) -> None:
    terraform = block(tf.blocks("terraform"))
    assert re.fullmatch(r">= ?1\.\d+\.\d+, ?< ?2\.0\.0", terraform["required_version"])
    google = block(terraform["required_providers"])["google"]
    assert google["source"] == "hashicorp/google"
    assert re.fullmatch(r">= ?\d+\.\d+\.\d+, ?< ?\d+\.0\.0", google["version"])


def test_every_variable_is_typed_and_described(tf: Module) -> None:
    variables = tf.named("variable")
    assert len(variables) >= 10
    for name, spec in variables.items():
        assert spec.get("type"), f"variable {name} has no type"
        assert len(spec.get("description", "")) > 15, f"variable {name} has no description"


def test_every_output_is_described(tf: Module) -> None:
    outputs = tf.named("output")
    assert {"daily_run_url", "run_division_url", "runtime_service_account"} <= outputs.keys()
    for name, spec in outputs.items():
        assert len(spec.get("description", "")) > 15, f"output {name} has no description"


def test_the_job_calls_daily_run_at_nine_in_amsterdam_with_oidc_and_retries(tf: Module) -> None:
    job = tf.resource("google_cloud_scheduler_job", "daily")
    assert job["schedule"] == "0 9 * * *"
    assert job["time_zone"] == "Europe/Amsterdam"
    target = block(job["http_target"])
    assert target["http_method"] == "POST"
    assert "google_cloudfunctions2_function.daily_run" in target["uri"]
    oidc = block(target["oidc_token"])
    assert oidc["service_account_email"] == "${google_service_account.scheduler.email}"
    assert oidc["audience"] == target["uri"]
    retry = block(job["retry_config"])
    assert retry["retry_count"] == "${var.scheduler_retry_count}"
    assert tf.named("variable")["scheduler_retry_count"]["default"] >= 1


def test_the_queue_has_rate_limits_and_retries(tf: Module) -> None:
    queue = tf.resource("google_cloud_tasks_queue", "divisions")
    limits = block(queue["rate_limits"])
    assert {"max_dispatches_per_second", "max_concurrent_dispatches"} <= limits.keys()
    retry = block(queue["retry_config"])
    assert {"max_attempts", "min_backoff", "max_backoff"} <= retry.keys()


def test_the_tasks_carry_the_runtime_accounts_oidc_token_to_run_division(tf: Module) -> None:
    runtime = "${google_service_account.runtime.member}"
    invokers = tf.resources("google_cloud_run_service_iam_member")
    on_division = [b for b in invokers.values() if "run_division" in b["service"]]
    assert [(b["role"], b["member"]) for b in on_division] == [("roles/run.invoker", runtime)]
    acts_as = tf.resource("google_service_account_iam_member", "runtime_acts_as_itself_for_tasks")
    assert (acts_as["role"], acts_as["member"]) == ("roles/iam.serviceAccountUser", runtime)
    assert acts_as["service_account_id"] == "${google_service_account.runtime.name}"
    enqueuer = tf.resource("google_cloud_tasks_queue_iam_member", "runtime_enqueues")
    assert (enqueuer["role"], enqueuer["member"]) == ("roles/cloudtasks.enqueuer", runtime)
    snippet = tf.named("output")["settings_snippet"]["value"]
    unquoted = snippet.replace("\\", "").replace('"', "")
    assert "service_account = ${google_service_account.runtime.email}" in unquoted


def test_nothing_is_public(tf: Module) -> None:
    for path in INFRA.glob("*.tf"):
        text = path.read_text()
        assert "allUsers" not in text, path.name
        assert "allAuthenticatedUsers" not in text, path.name
    for kind in (
        "google_cloud_run_service_iam_member",
        "google_cloud_run_v2_service_iam_member",
        "google_cloudfunctions2_function_iam_member",
        "google_storage_bucket_iam_member",
        "google_secret_manager_secret_iam_member",
    ):
        for name, binding in tf.resources(kind).items():
            member = binding["member"]
            assert member.startswith(("${google_service_account.", "${each.value}")), name
    manual = tf.named("variable")["manual_invokers"]
    assert "user|group|serviceAccount" in manual["validation"][0]["condition"]
    bucket = tf.resource("google_storage_bucket", "source")
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["uniform_bucket_level_access"] is True


def test_run_invoker_is_granted_per_function_never_on_the_project(tf: Module) -> None:
    project_roles = [b["role"] for b in tf.resources("google_project_iam_member").values()]
    assert project_roles == ["roles/datastore.user"]
    invokers = tf.resources("google_cloud_run_service_iam_member")
    on_daily = {n for n, b in invokers.items() if "daily_run" in b["service"]}
    assert on_daily == {"scheduler_invokes_daily_run", "people_invoke_daily_run"}
    scheduler = invokers["scheduler_invokes_daily_run"]
    assert scheduler["member"] == "${google_service_account.scheduler.member}"


def test_firestore_is_granted_on_followups_database_only(tf: Module) -> None:
    grant = tf.resource("google_project_iam_member", "runtime_firestore")
    condition = block(grant["condition"])
    assert "google_firestore_database.followup.name" in condition["expression"]


def test_each_secret_gets_only_the_roles_its_use_needs(tf: Module) -> None:
    secrets = tf.local("secrets")
    assert "merge(" in secrets  # config, Exact client secret, tokens; the Gmail two for "user"
    for label in ("config", "exact_client_secret", "exact_tokens", "gmail_refresh_token"):
        assert label in secrets
    reads = tf.resource("google_secret_manager_secret_iam_member", "runtime_reads")
    rotates = tf.resource("google_secret_manager_secret_iam_member", "runtime_rotates")
    assert reads["role"] == "roles/secretmanager.secretAccessor"
    assert rotates["role"] == "roles/secretmanager.secretVersionManager"
    assert "if secret.rotates" in rotates["for_each"]
    assert secrets.count("rotates = true") == 1  # the Exact tokens only
    for secret in tf.resources("google_secret_manager_secret").values():
        assert "secret_data" not in secret  # created without values
    assert tf.resources("google_secret_manager_secret_version") == {}


def test_token_creator_only_for_keyless_gmail_delegation(tf: Module) -> None:
    bindings = tf.resources("google_service_account_iam_member")
    creators = {n: b for n, b in bindings.items() if b["role"].endswith("TokenCreator")}
    assert list(creators) == ["runtime_signs_for_gmail_delegation"]
    assert creators["runtime_signs_for_gmail_delegation"]["count"] == (
        '${var.gmail_auth == "delegation" ? 1 : 0}'
    )


def test_both_functions_are_gen2_python312_as_the_runtime_account_with_mounted_settings(
    tf: Module,
) -> None:
    functions = tf.resources("google_cloudfunctions2_function")
    assert set(functions) == {"daily_run", "run_division"}
    for name, function in functions.items():
        build = block(function["build_config"])
        assert build["runtime"] == "python312"
        assert build["entry_point"] == name
        assert "google_storage_bucket_object.source" in str(build["source"])
        service = block(function["service_config"])
        assert service["service_account_email"] == "${google_service_account.runtime.email}"
        assert service["environment_variables"] == "${local.environment}"
        volume = block(service["secret_volumes"])
        assert volume["mount_path"] == "${local.config_mount}"
        assert block(volume["versions"])["path"] == "followup.toml"
    assert tf.local("environment")["FOLLOWUP_CONFIG"] == "${local.config_mount}/followup.toml"
    division = block(functions["run_division"]["service_config"])
    assert division["ingress_settings"] == "ALLOW_INTERNAL_ONLY"


def test_the_source_is_the_archive_make_package_builds(tf: Module) -> None:
    archive = tf.named("variable")["source_archive"]["default"]
    assert (INFRA / archive).resolve() == ROOT / "build" / "function-source.zip"
    source = tf.resource("google_storage_bucket_object", "source")
    assert "filemd5(var.source_archive)" in source["name"]


def _collections_the_code_writes() -> set[str]:
    code = "".join(p.read_text() for p in sorted((ADAPTERS / "firestore").glob("*.py")))
    return set(re.findall(r'\.collection\("([a-z_]+)"\)', code))


def test_every_collection_the_code_writes_has_a_ttl_policy_on_expire_at(tf: Module) -> None:
    written = _collections_the_code_writes()
    assert {"claims", "watermarks", "runs", "triggers", "refused_writes"} <= written
    assert written <= set(tf.local("ledger_collections"))
    ttl = tf.resource("google_firestore_field", "expire_at")
    assert ttl["field"] == "expire_at"
    assert ttl["ttl_config"] == [{}]
    assert ttl["for_each"] == "${local.ttl_collection_groups}"
    assert "var.token_lease_collection" in tf.local("ttl_collection_groups")


def test_the_ledgers_composite_index_is_created(tf: Module) -> None:
    index = tf.resource("google_firestore_index", "claims_by_division_kind_day")
    assert index["collection"] == "${var.collection_prefix}claims"
    assert [f["field_path"] for f in index["fields"]] == ["division", "kind", "claimed_day"]
    docstring = (ADAPTERS / "firestore" / "claims.py").read_text()
    assert "composite index: division, kind, claimed_day" in docstring


def test_a_failed_run_raises_an_alert(tf: Module) -> None:
    metric = tf.resource("google_logging_metric", "failed_runs")
    assert 'jsonPayload.event=\\"run_failed\\"' in metric["filter"]
    assert "cloud_scheduler_job" in metric["filter"]
    policy = tf.resource("google_monitoring_alert_policy", "failed_runs")
    condition = block(block(policy["conditions"])["condition_threshold"])
    assert "google_logging_metric.failed_runs.name" in condition["filter"]
    assert policy["notification_channels"] == "${var.notification_channels}"
    code = (ROOT / "functions" / "followup" / "cloud" / "division_run.py").read_text()
    assert '"event": "run_failed"' in code


def test_the_apis_followup_calls_are_enabled(tf: Module) -> None:
    services = set(re.findall(r'"([a-z]+\.googleapis\.com)"', tf.local("services")))
    assert {
        "cloudfunctions.googleapis.com",
        "run.googleapis.com",
        "cloudbuild.googleapis.com",
        "cloudscheduler.googleapis.com",
        "cloudtasks.googleapis.com",
        "secretmanager.googleapis.com",
        "firestore.googleapis.com",
        "gmail.googleapis.com",
    } <= services


def test_the_readme_lists_every_input_and_output(tf: Module) -> None:
    readme = (INFRA / "README.md").read_text()
    for name in [*tf.named("variable"), *tf.named("output")]:
        assert f"`{name}`" in readme, name
