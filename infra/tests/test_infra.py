"""Static checks of the cloud set-up: infra/tofu (parsed with python-hcl2),
tasks/*.json, the Dockerfile and docker-compose.yml.

Run with pytest (`pytest infra/tests`) or plain Python
(`python infra/tests/test_infra.py`); scripts/check-infra.sh does the former.
Needs python-hcl2 (8.x).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import hcl2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runtime_stage import runtime_packages  # noqa: E402 - the one parser of the Dockerfile's package list

ROOT = Path(__file__).resolve().parents[2]
TOFU = ROOT / "infra" / "tofu"
TASKS = ROOT / "tasks"
ENVS = ["dev", "prod"]

# What the dispatcher reads (and nothing else is a PYRAMYDAL_* output of envs/*).
DISPATCHER_SETTINGS = {
    "PYRAMYDAL_DATABASE_URL",
    "PYRAMYDAL_STORE",
    "PYRAMYDAL_S3_REGION",
    "PYRAMYDAL_SQS_QUEUE_URL",
    "PYRAMYDAL_LAUNCHER",
    "PYRAMYDAL_ECS_CLUSTER",
    "PYRAMYDAL_ECS_SUBNETS",
    "PYRAMYDAL_ECS_SECURITY_GROUPS",
    "PYRAMYDAL_ECS_TASK_FAMILY_PREFIX",
}
EXECUTABLES = {"pyramydal", "IngestWorker", "ExportWorker", "SnapshotWorker"}
# Kinds that run as ECS services, never as jobs the dispatcher launches.
SERVICE_KINDS = {"dispatcher", "web"}
SENSITIVE_SERVICES = ("s3", "ecs", "iam")

# Fargate's valid cpu → memory (MiB) combinations for the sizes we use.
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
}


# ---------------------------------------------------------------- helpers


def norm(value):
    """python-hcl2 8 keeps HCL's quotes and adds bookkeeping keys; drop both."""
    if isinstance(value, dict):
        return {
            norm_key(k): norm(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def norm_key(key):
    return key[1:-1] if len(key) >= 2 and key[0] == '"' and key[-1] == '"' else key


def load_tf(path: Path) -> dict:
    with open(path) as f:
        return norm(hcl2.load(f))


def tf_files():
    return sorted(TOFU.rglob("*.tf"))


def load_dir(path: Path) -> dict:
    """Merges the top-level blocks of every .tf file in a module folder."""
    merged: dict = {}
    for f in sorted(path.glob("*.tf")):
        for key, blocks in load_tf(f).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def blocks(module: dict, kind: str, type_: str) -> dict:
    """name → body of every `kind "type_" "name"` block (resource or data)."""
    found = {}
    for entry in module.get(kind, []):
        for t, named in entry.items():
            if t == type_:
                for name, body in named.items():
                    found[name] = body
    return found


def locals_of(module: dict) -> dict:
    merged = {}
    for entry in module.get("locals", []):
        merged.update(entry)
    return merged


def outputs_of(module: dict) -> dict:
    merged = {}
    for entry in module.get("output", []):
        merged.update(entry)
    return merged


def variables_of(module: dict) -> dict:
    merged = {}
    for entry in module.get("variable", []):
        merged.update(entry)
    return merged


def task_kinds():
    return sorted(p.stem for p in TASKS.glob("*.json"))


def load_task(kind: str) -> dict:
    return json.loads((TASKS / f"{kind}.json").read_text())


PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


def template_variables() -> set:
    """The variables the ecs module passes to templatefile for each kind."""
    ecs = load_dir(TOFU / "modules" / "ecs")
    tv = locals_of(ecs)["template_vars"]
    # `{ for kind in var.kinds : kind => { … } }` is kept as a string by hcl2.
    text = tv if isinstance(tv, str) else json.dumps(tv)
    return set(re.findall(r"([a-z_]+)\s*=", text.split("=>", 1)[1]))


def render(kind: str) -> dict:
    """tasks/<kind>.json as templatefile renders it, with example values."""
    text = (TASKS / f"{kind}.json").read_text()
    values = {name: f"example-{name}" for name in template_variables()}
    values["image"] = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/pyramydal-dev:abc123"
    values["execution_role_arn"] = "arn:aws:iam::123456789012:role/pyramydal-dev-task-execution"
    values["task_role_arn"] = f"arn:aws:iam::123456789012:role/pyramydal-dev-{kind}-task"
    values["database_url_secret_arn"] = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:pyramydal-dev/database-url-AbCdEf"
    values["database_password_secret_arn"] = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1234-AbCdEf"
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    assert not missing, f"tasks/{kind}.json uses placeholders the ecs module does not pass: {sorted(missing)}"
    assert "%{" not in text, f"tasks/{kind}.json contains a templatefile directive"
    return json.loads(PLACEHOLDER.sub(lambda m: values[m.group(1)], text))


def policy_statements():
    """(file, document name, statement) for every aws_iam_policy_document."""
    for f in tf_files():
        module = load_tf(f)
        for name, body in blocks(module, "data", "aws_iam_policy_document").items():
            for statement in body.get("statement", []):
                yield f.relative_to(ROOT), name, statement


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- tests


def test_every_tf_file_parses():
    files = tf_files()
    assert len(files) >= 7 * 4 + 2 * 4, f"only {len(files)} .tf files under infra/tofu"
    for f in files:
        load_tf(f)  # raises on a syntax error


def test_modules_have_the_standard_shape():
    for module in ["network", "database", "storage", "trigger", "ecs", "iam", "observability", "web"]:
        for name in ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]:
            assert (TOFU / "modules" / module / name).is_file(), f"modules/{module}/{name} is missing"


def test_task_definitions_are_valid_ecs_json():
    kinds = task_kinds()
    assert set(kinds) >= {"ingest", "export", "print", "snapshot", "dispatcher", "web"}, kinds
    for kind in kinds:
        raw = load_task(kind)
        td = render(kind)
        where = f"tasks/{kind}.json"
        assert td["family"] == f"pyramydal-{kind}", where
        assert td["requiresCompatibilities"] == ["FARGATE"], where
        assert td["networkMode"] == "awsvpc", where
        assert td["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}, where
        assert isinstance(td["cpu"], str) and isinstance(td["memory"], str), f"{where}: cpu and memory are strings"
        cpu, memory = int(td["cpu"]), int(td["memory"])
        assert memory in FARGATE_MEMORY[cpu], f"{where}: {cpu} CPU units can't have {memory} MiB on Fargate"
        assert td["executionRoleArn"].startswith("arn:aws:iam::") and raw["executionRoleArn"] == "${execution_role_arn}", where
        assert td["taskRoleArn"].startswith("arn:aws:iam::") and raw["taskRoleArn"] == "${task_role_arn}", where

        assert len(td["containerDefinitions"]) == 1, f"{where}: one container"
        c = td["containerDefinitions"][0]
        assert c["name"] == kind, where
        assert raw["containerDefinitions"][0]["image"] == "${image}", f"{where}: image is the ${{image}} placeholder"
        assert c["essential"] is True, where
        assert isinstance(c["command"], list) and c["command"], where
        assert all(isinstance(a, str) for a in c["command"]), where
        assert c["command"][0] in EXECUTABLES, f"{where}: {c['command'][0]} is not one of the image's executables"
        assert isinstance(c["stopTimeout"], int) and 2 <= c["stopTimeout"] <= 120, f"{where}: Fargate allows 2–120 s"

        names = [e["name"] for e in c["environment"]]
        assert len(names) == len(set(names)), f"{where}: duplicate environment names"
        for e in c["environment"]:
            assert set(e) == {"name", "value"} and isinstance(e["value"], str), f"{where}: {e}"
            assert e["name"].startswith("PYRAMYDAL_"), f"{where}: {e['name']}"
            assert not re.search(r"PASSWORD|SECRET|DATABASE_URL|TOKEN", e["name"]), f"{where}: {e['name']} belongs in secrets"
        for required in ["PYRAMYDAL_STORE", "PYRAMYDAL_S3_REGION", "PYRAMYDAL_LOG_LEVEL", "PYRAMYDAL_LOG_FORMAT"]:
            assert required in names, f"{where}: {required} missing"
        assert dict((e["name"], e["value"]) for e in c["environment"])["PYRAMYDAL_LOG_FORMAT"] == "json", where
        # The audit log names the task's IAM role, not the container's user.
        raw_env = {e["name"]: e["value"] for e in raw["containerDefinitions"][0]["environment"]}
        assert raw_env.get("PYRAMYDAL_ACTOR") == "${task_role_arn}", f"{where}: PYRAMYDAL_ACTOR is the task role"

        secrets = {s["name"]: s["valueFrom"] for s in c["secrets"]}
        assert set(secrets) == {"PYRAMYDAL_DATABASE_URL", "PGPASSWORD"}, where
        raw_secrets = {s["name"]: s["valueFrom"] for s in raw["containerDefinitions"][0]["secrets"]}
        assert raw_secrets["PYRAMYDAL_DATABASE_URL"] == "${database_url_secret_arn}", where
        assert raw_secrets["PGPASSWORD"] == "${database_password_secret_arn}:password::", where
        for value in secrets.values():
            assert value.startswith("arn:aws:secretsmanager:"), where

        log = c["logConfiguration"]
        assert log["logDriver"] == "awslogs", where
        assert set(log["options"]) == {"awslogs-group", "awslogs-region", "awslogs-stream-prefix"}, where
        assert raw["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] == "${log_group}", where

        volumes = {v["name"] for v in td.get("volumes", [])}
        for mount in c.get("mountPoints", []):
            assert mount["sourceVolume"] in volumes, f"{where}: mount of an undefined volume"


def test_task_definitions_match_the_ecs_api_model():
    # botocore's service model of ECS RegisterTaskDefinition: unknown fields,
    # wrong types and missing required members fail here, offline.
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape
    for kind in task_kinds():
        report = ParamValidator().validate(render(kind), shape)
        assert not report.has_errors(), f"tasks/{kind}.json: {report.generate_report()}"
    broken = render("ingest")
    broken["containerDefinitions"][0]["stopTimeout"] = "30"
    assert ParamValidator().validate(broken, shape).has_errors(), "the model check must reject a string stopTimeout"


def test_local_launcher_reads_command_and_memory_without_rendering():
    # The local launcher reads the same files as they are in the repository:
    # valid JSON before substitution, and the fields it uses are literal.
    for kind in task_kinds():
        raw = load_task(kind)
        command = raw["containerDefinitions"][0]["command"]
        assert not any("${" in a for a in command), f"tasks/{kind}.json: command must be literal"
        assert raw["memory"].isdigit(), f"tasks/{kind}.json: memory must be literal"
    assert load_task("print")["containerDefinitions"][0]["command"] == ["ExportWorker"]
    assert int(load_task("print")["memory"]) > int(load_task("export")["memory"])
    assert load_task("dispatcher")["containerDefinitions"][0]["command"] == ["pyramydal", "dispatch"]
    assert load_task("web")["containerDefinitions"][0]["command"] == ["pyramydal", "serve"]


def test_ecs_module_renders_the_same_files():
    ecs = load_dir(TOFU / "modules" / "ecs")
    definitions = locals_of(ecs)["definitions"]
    text = definitions if isinstance(definitions, str) else json.dumps(definitions)
    assert "templatefile(\"${var.tasks_dir}/${kind}.json\"" in text.replace("\\\"", "\""), text
    assert "jsondecode(" in text, text
    task_defs = blocks(ecs, "resource", "aws_ecs_task_definition")
    assert list(task_defs) == ["task"]
    td = task_defs["task"]
    files = locals_of(ecs)["files"]
    assert "file(\"${var.tasks_dir}/${kind}.json\")" in files.replace("\\\"", "\""), files
    assert td["for_each"] == "${local.files}"
    assert td["family"] == "${var.family_prefix}${each.key}"
    assert td["container_definitions"] == "${jsonencode(local.definitions[each.key].containerDefinitions)}"
    assert td["task_role_arn"] == "${local.definitions[each.key].taskRoleArn}"
    assert td["memory"] == "${each.value.memory}" and td["cpu"] == "${each.value.cpu}"
    # Every placeholder any task file uses is passed (render() asserts it too).
    for kind in task_kinds():
        render(kind)

    for env in ENVS:
        env_dir = TOFU / "envs" / env
        env_locals = locals_of(load_dir(env_dir))
        tasks_dir = env_locals["tasks_dir"]
        assert tasks_dir.startswith("${path.root}/"), tasks_dir
        resolved = (env_dir / tasks_dir.removeprefix("${path.root}/")).resolve()
        assert resolved == TASKS, f"envs/{env}: tasks_dir resolves to {resolved}, not {TASKS}"
        assert "fileset(local.tasks_dir, \"*.json\")" in env_locals["kinds"].replace("\\\"", "\""), env_locals["kinds"]
        ecs_call = next(m["ecs"] for m in load_dir(env_dir)["module"] if "ecs" in m)
        assert ecs_call["tasks_dir"] == "${local.tasks_dir}" and ecs_call["kinds"] == "${local.kinds}"


def test_every_kind_has_a_task_definition_and_its_own_task_role():
    iam = load_dir(TOFU / "modules" / "iam")
    policies = locals_of(iam)["task_policies"]
    docs = blocks(iam, "data", "aws_iam_policy_document")
    roles = blocks(iam, "resource", "aws_iam_role")
    role_policies = blocks(iam, "resource", "aws_iam_role_policy")
    assert roles["task"]["for_each"] == "${local.task_policies}"
    assert "${each.key}" in roles["task"]["name"], "one role per kind, named after it"
    assert role_policies["task"]["for_each"] == "${local.task_policies}"
    assert role_policies["task"]["role"] == "${aws_iam_role.task[each.key].id}"
    for kind in task_kinds():
        assert kind in policies, f"modules/iam has no task role policy for {kind}"
        assert policies[kind] == f"${{data.aws_iam_policy_document.{kind}.json}}", f"{kind} shares another kind's policy"
        assert kind in docs, f"modules/iam: data.aws_iam_policy_document.{kind} is missing"
    # The ecs module gives each kind its own role.
    ecs = load_dir(TOFU / "modules" / "ecs")
    assert "var.task_role_arns[kind]" in json.dumps(locals_of(ecs)["template_vars"])


def test_no_policy_grants_wildcard_actions_or_resources_on_s3_ecs_iam():
    count = 0
    for where, name, st in policy_statements():
        count += 1
        if st.get("effect", "Allow") != "Allow":
            continue
        actions = as_list(st.get("actions"))
        resources = as_list(st.get("resources"))
        assert "not_actions" not in st and "not_resources" not in st, f"{where} {name}: NotAction/NotResource"
        for action in actions:
            assert action != "*", f"{where} {name}: '*' action"
            service, _, verb = action.partition(":")
            if service in SENSITIVE_SERVICES:
                assert "*" not in verb, f"{where} {name}: wildcard action {action}"
        if any(a.partition(":")[0] in SENSITIVE_SERVICES for a in actions):
            for resource in resources:
                assert resource != "*", f"{where} {name}: '*' resource with {actions}"
                assert not re.fullmatch(r"arn:[^:]*:(s3|ecs|iam):[^:]*:[^:]*:?\*", resource), f"{where} {name}: {resource}"
    assert count > 10, "no policy statements found"


def test_task_roles_touch_only_their_prefixes():
    iam = load_dir(TOFU / "modules" / "iam")
    docs = blocks(iam, "data", "aws_iam_policy_document")

    def grants(kind):
        out = set()
        for st in docs[kind]["statement"]:
            for a in as_list(st["actions"]):
                for r in as_list(st["resources"]):
                    out.add((a, r.replace("${var.bucket_arn}", "bucket")))
        return out

    ingest = {g for g in grants("ingest") if g[0].startswith("s3:")}
    assert ingest == {("s3:GetObject", "bucket/incoming/*"), ("s3:PutObject", "bucket/errors/*")}
    for kind in ["export", "print"]:
        g = grants(kind)
        assert g == {("s3:PutObject", "bucket/reports/*"), ("s3:AbortMultipartUpload", "bucket/reports/*")}, g
    snapshot = grants("snapshot")
    assert all(r in ("bucket/snapshots/*", "bucket") for _, r in snapshot), snapshot
    assert ("s3:DeleteObject", "bucket/snapshots/*") in snapshot

    web = grants("web")
    assert web == {("s3:GetObject", "bucket/reports/*"), ("s3:PutObject", "bucket/incoming/*"),
                   ("s3:AbortMultipartUpload", "bucket/incoming/*")}, web

    dispatcher = {st["sid"]: st for st in docs["dispatcher"]["statement"]}
    run = dispatcher["RunWorkerTasks"]
    assert run["actions"] == ["ecs:RunTask"] and run["resources"] == "${local.worker_task_definition_arns}"
    assert run["condition"][0]["variable"] == "ecs:cluster" and run["condition"][0]["values"] == ["${local.cluster_arn}"]
    watch = dispatcher["WatchAndStopTasks"]
    assert set(watch["actions"]) == {"ecs:DescribeTasks", "ecs:StopTask"}
    assert watch["resources"] == ["${local.cluster_tasks_arn}"]
    pass_role = dispatcher["PassWorkerRoles"]
    assert pass_role["actions"] == ["iam:PassRole"]
    assert pass_role["condition"][0]["values"] == ["ecs-tasks.amazonaws.com"]
    locals_ = locals_of(iam)
    assert "task-definition/${var.family_prefix}${k}:*" in locals_["worker_task_definition_arns"]
    # Services are not jobs: the dispatcher may neither launch them nor pass their roles.
    assert set(locals_["service_kinds"]) == SERVICE_KINDS, locals_["service_kinds"]
    assert "!contains(local.service_kinds, k)" in locals_["worker_kinds"], locals_["worker_kinds"]
    assert "local.worker_kinds" in json.dumps(pass_role["resources"])
    assert locals_["cluster_tasks_arn"].endswith(":task/${var.cluster_name}/*")
    # Every statement with a ListBucket is limited to a prefix.
    for kind, doc in docs.items():
        for st in doc.get("statement", []):
            if "s3:ListBucket" in as_list(st.get("actions")):
                assert st["condition"][0]["variable"] == "s3:prefix", f"{kind}: ListBucket without a prefix condition"


def test_s3_trigger_rule_matches_only_incoming():
    trigger = load_dir(TOFU / "modules" / "trigger")
    pattern = locals_of(trigger)["event_pattern"]
    assert pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": ["${var.bucket_name}"]},
            "object": {"key": [{"prefix": "incoming/"}]},
        },
    }, pattern
    rules = blocks(trigger, "resource", "aws_cloudwatch_event_rule")
    assert list(rules) == ["incoming"]
    assert rules["incoming"]["event_pattern"] == "${jsonencode(local.event_pattern)}"
    target = blocks(trigger, "resource", "aws_cloudwatch_event_target")["queue"]
    assert target["arn"] == "${aws_sqs_queue.incoming.arn}"
    queue = blocks(trigger, "resource", "aws_sqs_queue")["incoming"]
    assert "deadLetterTargetArn = aws_sqs_queue.dlq.arn" in queue["redrive_policy"]
    storage = load_dir(TOFU / "modules" / "storage")
    assert blocks(storage, "resource", "aws_s3_bucket_notification")["this"]["eventbridge"] is True


def test_rds_is_encrypted_private_and_deletion_protected():
    database = load_dir(TOFU / "modules" / "database")
    db = blocks(database, "resource", "aws_db_instance")["this"]
    assert db["storage_encrypted"] is True
    assert db["publicly_accessible"] is False
    assert db["deletion_protection"] is True
    assert db["manage_master_user_password"] is True
    assert db["skip_final_snapshot"] is False
    assert db["backup_retention_period"] == "${var.backup_retention_days}"
    retention = variables_of(database)["backup_retention_days"]
    assert retention["default"] >= 7 and ">= 7" in retention["validation"][0]["condition"]
    params = blocks(database, "resource", "aws_db_parameter_group")["this"]["parameter"]
    assert {"name": "rds.force_ssl", "value": "1"} in params
    # Private: the private subnets have no route to the internet. The only
    # internet gateway is the optional one of the public subnets, which hold
    # the web load balancer and nothing else.
    network = load_dir(TOFU / "modules" / "network")
    for kind in ["aws_nat_gateway", "aws_egress_only_internet_gateway", "aws_eip"]:
        assert not blocks(network, "resource", kind), f"network has an {kind}"
    subnets = blocks(network, "resource", "aws_subnet")
    assert set(subnets) == {"private", "public"}, sorted(subnets)
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    assert subnets["public"]["count"] == "${var.public_subnets ? var.az_count : 0}"
    assert variables_of(network)["public_subnets"]["default"] is False
    assert blocks(network, "resource", "aws_internet_gateway")["this"]["count"] == "${var.public_subnets ? 1 : 0}"
    tables = blocks(network, "resource", "aws_route_table")
    assert "route" not in tables["private"], "the private route table has a route"
    routes = blocks(network, "resource", "aws_route")
    assert list(routes) == ["public_internet"] and routes["public_internet"]["route_table_id"] == "${aws_route_table.public[0].id}"
    associations = blocks(network, "resource", "aws_route_table_association")
    assert associations["private"]["route_table_id"] == "${aws_route_table.private.id}"
    assert associations["public"]["subnet_id"] == "${aws_subnet.public[count.index].id}"
    for env in ENVS:
        for m in load_dir(TOFU / "envs" / env)["module"]:
            if "database" in m:
                assert m["database"]["subnet_ids"] == "${module.network.private_subnet_ids}"


def test_bucket_is_private_encrypted_versioned_and_tls_only():
    storage = load_dir(TOFU / "modules" / "storage")
    pab = blocks(storage, "resource", "aws_s3_bucket_public_access_block")["this"]
    assert all(pab[k] is True for k in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"])
    assert blocks(storage, "resource", "aws_s3_bucket_ownership_controls")["this"]["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    assert blocks(storage, "resource", "aws_s3_bucket_versioning")["this"]["versioning_configuration"][0]["status"] == "Enabled"
    rules = {r["id"]: r for r in blocks(storage, "resource", "aws_s3_bucket_lifecycle_configuration")["this"]["rule"]}
    assert "abort_incomplete_multipart_upload" in rules["abort-incomplete-multipart-uploads"]
    assert rules["expire-old-reports"]["filter"][0]["prefix"] == "reports/"
    tls = blocks(storage, "data", "aws_iam_policy_document")["tls_only"]["statement"][0]
    assert tls["effect"] == "Deny" and tls["condition"][0]["variable"] == "aws:SecureTransport"


def test_envs_output_exactly_the_dispatcher_settings():
    dispatcher_env = render("dispatcher")["containerDefinitions"][0]
    names = {e["name"] for e in dispatcher_env["environment"]} | {s["name"] for s in dispatcher_env["secrets"]}
    assert DISPATCHER_SETTINGS <= names, f"tasks/dispatcher.json lacks {DISPATCHER_SETTINGS - names}"
    raw = {e["name"]: e["value"] for e in load_task("dispatcher")["containerDefinitions"][0]["environment"]}
    assert raw["PYRAMYDAL_LAUNCHER"] == "ecs"
    for env in ENVS:
        outputs = outputs_of(load_dir(TOFU / "envs" / env))
        settings = {name for name in outputs if name.startswith("PYRAMYDAL_")}
        assert settings == DISPATCHER_SETTINGS, f"envs/{env}: {sorted(settings ^ DISPATCHER_SETTINGS)}"
        assert outputs["PYRAMYDAL_LAUNCHER"]["value"] == "ecs"
        assert outputs["PYRAMYDAL_DATABASE_URL"]["sensitive"] is True
        assert outputs["PYRAMYDAL_STORE"]["value"] == "s3://${module.storage.bucket_name}"
        assert outputs["PYRAMYDAL_ECS_SUBNETS"]["value"] == '${join(",", module.network.private_subnet_ids)}'
        assert outputs["PYRAMYDAL_ECS_TASK_FAMILY_PREFIX"]["value"] == "${module.ecs.family_prefix}"
        assert variables_of(load_dir(TOFU / "envs" / env))["family_prefix"]["default"] == "pyramydal-"


def test_dockerfile_runtime_stage_and_executables():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\S+)", text, re.M)
    assert stages == [("swift:6.3-bookworm", "build"), ("debian:bookworm-slim", "runtime")], stages
    runtime = text.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001:10001$", runtime, re.M), "runtime stage runs as non-root"
    assert "--static-swift-stdlib" in text
    packages = runtime_packages(text)
    for lib in ["libpq5", "libcurl4", "libzip4", "libxml2", "libxlsxwriter4", "libhpdf-2.3.0", "fonts-dejavu-core", "ca-certificates"]:
        assert lib in packages, f"{lib} missing from the runtime packages"
    executables = set(re.search(r'^ARG EXECUTABLES="([^"]+)"', text, re.M).group(1).split())
    assert executables == EXECUTABLES
    for kind in task_kinds():
        assert load_task(kind)["containerDefinitions"][0]["command"][0] in executables


def test_compose_wires_the_same_variables():
    text = (ROOT / "docker-compose.yml").read_text()
    for needed in ["PYRAMYDAL_DATABASE_URL", "PYRAMYDAL_STORE", "PYRAMYDAL_S3_ENDPOINT", "PYRAMYDAL_LAUNCHER: local",
                   "minio/mc", "postgres:", "pyramydal\", \"dispatch\"", "pyramydal\", \"serve\"",
                   "PYRAMYDAL_HTTP_ADDRESS: 0.0.0.0:8080", "127.0.0.1:8080:8080", "/dev/tcp/127.0.0.1/8080", "GET /healthz"]:
        assert needed in text, f"docker-compose.yml lacks {needed}"
    # The runtime image has no curl or wget (on purpose): the web service's
    # health check speaks HTTP with bash alone (Essential in Debian, so in
    # debian:bookworm-slim), and must not call a tool the image lacks.
    packages = set(runtime_packages((ROOT / "Dockerfile").read_text()))
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for tool in ["curl", "wget"]:
        if tool not in packages:
            assert not re.search(rf"\b{tool}\b", code), f"docker-compose.yml calls {tool}, which the image lacks"


def test_web_task_definition_listens_behind_https():
    td = render("web")
    c = td["containerDefinitions"][0]
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env["PYRAMYDAL_HTTP_ADDRESS"] == "0.0.0.0:8080"
    assert env["PYRAMYDAL_HTTP_SECURE_COOKIES"] == "true"
    assert c["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert c["readonlyRootFilesystem"] is True and c["linuxParameters"]["initProcessEnabled"] is True
    assert {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False} in c["mountPoints"]
    # Nothing but the dispatcher gets the launcher's settings.
    assert not [n for n in env if n.startswith(("PYRAMYDAL_ECS_", "PYRAMYDAL_SQS_", "PYRAMYDAL_LAUNCHER"))], env
    web = load_dir(TOFU / "modules" / "web")
    port = variables_of(web)["container_port"]["default"]
    assert port == 8080 == int(env["PYRAMYDAL_HTTP_ADDRESS"].rsplit(":", 1)[1])
    assert variables_of(web)["container_name"]["default"] == c["name"]
    # ECS sends SIGTERM only after the deregistration delay: both together bound a stop.
    assert variables_of(web)["deregistration_delay_seconds"]["default"] <= c["stopTimeout"]


def test_web_service_sits_behind_an_https_load_balancer():
    web = load_dir(TOFU / "modules" / "web")
    variables = variables_of(web)
    lb = blocks(web, "resource", "aws_lb")["this"]
    assert lb["load_balancer_type"] == "application"
    assert lb["drop_invalid_header_fields"] is True
    assert lb["enable_deletion_protection"] is True
    assert lb["internal"] == "${!var.internet_facing}"
    assert lb["access_logs"][0]["enabled"] is True and lb["access_logs"][0]["bucket"] == "${aws_s3_bucket.access_logs.id}"
    assert lb["security_groups"] == ["${aws_security_group.alb.id}"]

    listeners = blocks(web, "resource", "aws_lb_listener")
    assert set(listeners) == {"https", "http"}
    https, http = listeners["https"], listeners["http"]
    assert https["port"] == 443 and https["protocol"] == "HTTPS"
    assert https["certificate_arn"] == "${var.certificate_arn}" and https["ssl_policy"] == "${var.ssl_policy}"
    assert variables["ssl_policy"]["default"].startswith("ELBSecurityPolicy-TLS13-1-2-")
    assert https["default_action"][0]["target_group_arn"] == "${aws_lb_target_group.web.arn}"
    assert http["port"] == 80 and http["protocol"] == "HTTP"
    redirect = http["default_action"][0]
    assert redirect["type"] == "redirect" and "target_group_arn" not in redirect
    assert redirect["redirect"][0] == {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}

    tg = blocks(web, "resource", "aws_lb_target_group")["web"]
    assert tg["target_type"] == "ip" and tg["port"] == "${var.container_port}"
    assert tg["health_check"][0]["path"] == "${var.health_check_path}" and tg["health_check"][0]["matcher"] == "200"
    assert variables["health_check_path"]["default"] == "/healthz"

    # Ways in: the load balancer from allowed_cidrs on 80 and 443; the tasks
    # from the load balancer's group on the container port. Nothing else.
    ingress = blocks(web, "resource", "aws_vpc_security_group_ingress_rule")
    assert set(ingress) == {"alb", "web_from_alb"}
    assert ingress["alb"]["cidr_ipv4"] == "${each.value.cidr}" and ingress["alb"]["from_port"] == "${each.value.port}"
    assert "setproduct(var.allowed_cidrs, [80, 443])" in locals_of(web)["ingress"]
    assert ingress["web_from_alb"]["security_group_id"] == "${aws_security_group.web.id}"
    assert ingress["web_from_alb"]["referenced_security_group_id"] == "${aws_security_group.alb.id}"
    assert ingress["web_from_alb"]["from_port"] == ingress["web_from_alb"]["to_port"] == "${var.container_port}"
    egress = blocks(web, "resource", "aws_vpc_security_group_egress_rule")
    assert list(egress) == ["alb_to_tasks"]
    assert egress["alb_to_tasks"]["referenced_security_group_id"] == "${aws_security_group.web.id}"
    assert egress["alb_to_tasks"]["from_port"] == "${var.container_port}"
    for group in blocks(web, "resource", "aws_security_group").values():
        assert "ingress" not in group and "egress" not in group, "rules are separate resources"

    service = blocks(web, "resource", "aws_ecs_service")["web"]
    assert service["deployment_circuit_breaker"][0] == {"enable": True, "rollback": True}
    assert service["network_configuration"][0]["assign_public_ip"] is False
    assert service["network_configuration"][0]["subnets"] == "${var.task_subnet_ids}"
    assert service["network_configuration"][0]["security_groups"] == ["${var.tasks_security_group_id}", "${aws_security_group.web.id}"]
    assert service["load_balancer"][0]["container_port"] == "${var.container_port}"
    assert "desired_count" in service["lifecycle"][0]["ignore_changes"][0]
    target = blocks(web, "resource", "aws_appautoscaling_target")["web"]
    assert target["min_capacity"] == "${var.min_count}" and target["max_capacity"] == "${var.max_count}"
    policy = blocks(web, "resource", "aws_appautoscaling_policy")["cpu"]
    tracking = policy["target_tracking_scaling_policy_configuration"][0]
    assert tracking["predefined_metric_specification"][0]["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"

    for env in ENVS:
        call = next(m["web"] for m in load_dir(TOFU / "envs" / env)["module"] if "web" in m)
        assert call["task_definition_arn"] == '${module.ecs.task_definition_arns["web"]}'
        assert call["task_subnet_ids"] == "${module.network.private_subnet_ids}"
        assert call["tasks_security_group_id"] == "${module.network.tasks_security_group_id}"
        assert call["alb_subnet_ids"] == "${var.web_internet_facing ? module.network.public_subnet_ids : module.network.private_subnet_ids}"
        network_call = next(m["network"] for m in load_dir(TOFU / "envs" / env)["module"] if "network" in m)
        assert network_call["public_subnets"] == "${var.web_internet_facing}"


def test_deploy_workflow_uses_oidc_plans_prs_and_applies_dev_on_main():
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    for stored_key in ["aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "secrets."]:
        assert stored_key not in text, f"deploy.yml uses stored credentials ({stored_key})"
    jobs = dict(re.findall(r"^  ([a-z-]+):\n((?:    .*\n|\n)+)", text, re.M))
    assert {"image-check", "plan", "deploy-dev"} <= set(jobs), sorted(jobs)
    plan, deploy = jobs["plan"], jobs["deploy-dev"]
    assert "github.event_name == 'pull_request'" in plan and "tofu plan" in plan and "tofu apply" not in plan
    assert "github.ref == 'refs/heads/main'" in deploy and "environment: dev" in deploy
    assert re.search(r"tofu apply (?![^\n]*-target)[^\n]*image_tag=", deploy), "deploy-dev runs no full apply"
    assert "push: true" in deploy
    for job in (plan, deploy):
        assert "id-token: write" in job and "role-to-assume:" in job
    assert "push: false" in jobs["image-check"]


# ---------------------------------------------------------------- plain-Python runner


if __name__ == "__main__":
    failed = 0
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    for name, fn in tests:
        try:
            fn()
            print(f"PASS {name}")
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
