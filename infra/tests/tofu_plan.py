"""`tofu`/`terraform` validate, plan and apply of infra/tofu/envs/* without AWS.

Providers can't be downloaded here, so this needs a local provider mirror
(`--plugin-dir`, default /opt/tf-plugins). Every AWS endpoint points at a
private moto server on loopback (started and stopped here) through a
`moto_override.tf` in a scratch copy.

- plan (dev and prod) evaluates what `validate` does not: the templatefile
  rendering of tasks/*.json, every for_each, module wiring, data sources. The
  plan is read back (`show -json`): every tasks/*.json kind gets a task
  definition (family, cpu, memory from its file), its own task role and a log
  group.
- apply (dev) creates everything in moto, then reads it back with boto3: the
  registered task definitions (rendered image, roles, log groups, secrets
  that exist), and the IAM policies as AWS holds them, with every ARN
  resolved: the ARNs iam builds from names (cluster, task families, roles)
  must be the real ones, and no Allow statement has a "*" action, or a "*"
  resource on S3, ECS or IAM.

Usage: python3 infra/tests/tofu_plan.py TOFU_BINARY [--plugin-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENVS = ["dev", "prod"]

SERVICES = ["ec2", "sts", "iam", "s3", "sqs", "events", "rds", "secretsmanager",
            "ecs", "ecr", "logs", "cloudwatch", "sns", "elbv2", "applicationautoscaling", "wafv2"]
# Kinds that run as ECS services: the dispatcher neither launches them nor passes their roles.
SERVICE_KINDS = {"dispatcher", "web"}
REGION = "eu-central-1"  # envs/*/terraform.tfvars
OVERRIDE = """
terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "moto"
  secret_key                  = "moto"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
%(endpoints)s
  }
}
"""


# moto.server, with the tagging calls of Application Auto Scaling filled in
# where moto lacks them (5.2 does): the AWS provider lists a scalable
# target's tags after creating it and retries moto's 500 for many minutes.
MOTO_MAIN = """
import json, sys
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R

tags = {}

def list_tags_for_resource(self):
    return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

def tag_resource(self):
    tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
    return "{}"

def untag_resource(self):
    for key in self._get_param("TagKeys") or []:
        tags.get(self._get_param("ResourceARN"), {}).pop(key, None)
    return "{}"

for f in (list_tags_for_resource, tag_resource, untag_resource):
    if not hasattr(R, f.__name__):
        setattr(R, f.__name__, f)

from moto.server import main
main(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # AWS-managed IAM policies (AmazonRDSEnhancedMonitoringRole) must exist to be attached.
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    proc = subprocess.Popen([sys.executable, "-c", MOTO_MAIN, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("tofu-plan: moto did not start")


def run(tf: str, cwd: Path, *args: str) -> str:
    env = dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null", TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    done = subprocess.run([tf, *args], cwd=cwd, env=env, text=True, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"tofu-plan: {' '.join(args[:1])} in {cwd.name} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def planned(plan: dict) -> dict:
    """address → planned values, for every resource in every module."""
    found = {}

    def walk(module):
        for r in module.get("resources", []):
            found[r["address"]] = r.get("values", {})
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    return found


def check_plan(env: str, plan: dict) -> list[str]:
    problems = []
    resources = planned(plan)
    for path in sorted((ROOT / "tasks").glob("*.json")):
        kind = path.stem
        td_file = json.loads(path.read_text())
        td = resources.get(f'module.ecs.aws_ecs_task_definition.task["{kind}"]')
        if td is None:
            problems.append(f"{env}: no task definition planned for {kind}")
        else:
            for key, want in [("family", f"pyramydal-{kind}"), ("cpu", td_file["cpu"]), ("memory", td_file["memory"]),
                              ("network_mode", "awsvpc"), ("requires_compatibilities", ["FARGATE"])]:
                if td.get(key) != want:
                    problems.append(f"{env}: {kind} task definition {key} = {td.get(key)!r}, want {want!r}")
        if f'module.iam.aws_iam_role.task["{kind}"]' not in resources:
            problems.append(f"{env}: no task role planned for {kind}")
        if f'module.observability.aws_cloudwatch_log_group.task["{kind}"]' not in resources:
            problems.append(f"{env}: no log group planned for {kind}")
    db = resources.get("module.database.aws_db_instance.this", {})
    for key, want in [("storage_encrypted", True), ("publicly_accessible", False), ("deletion_protection", True)]:
        if db.get(key) != want:
            problems.append(f"{env}: RDS {key} = {db.get(key)!r}")
    for address, key, want in [
        ("module.web.aws_lb.this", "drop_invalid_header_fields", True),
        ("module.web.aws_lb.this", "enable_deletion_protection", True),
        ("module.web.aws_lb.this", "internal", False),
        ("module.web.aws_lb_listener.https", "port", 443),
        ("module.web.aws_lb_listener.https", "protocol", "HTTPS"),
        ("module.web.aws_lb_listener.http", "port", 80),
        ("module.web.aws_lb_target_group.web", "port", 8080),
        ("module.web.aws_ecs_service.web", "launch_type", "FARGATE"),
    ]:
        got = resources.get(address, {}).get(key)
        if got != want:
            problems.append(f"{env}: {address} {key} = {got!r}, want {want!r}")
    if len([a for a in resources if a.startswith("module.network.aws_subnet.public[")]) < 2:
        problems.append(f"{env}: no public subnets planned for the internet-facing load balancer")
    outputs = {k for k in plan["planned_values"].get("outputs", {}) if k.startswith("PYRAMYDAL_")}
    if len(outputs) != 9:
        problems.append(f"{env}: planned PYRAMYDAL_* outputs {sorted(outputs)}")
    return problems


def check_applied(url: str, outputs: dict) -> list[str]:
    import boto3

    region = outputs["PYRAMYDAL_S3_REGION"]["value"]

    def client(name):
        return boto3.client(name, endpoint_url=url, region_name=region,
                            aws_access_key_id="moto", aws_secret_access_key="moto")

    problems = []
    ecs, iam, logs, sm = client("ecs"), client("iam"), client("logs"), client("secretsmanager")
    cluster_name = outputs["PYRAMYDAL_ECS_CLUSTER"]["value"]
    cluster = ecs.describe_clusters(clusters=[cluster_name])["clusters"][0]
    if set(cluster.get("capacityProviders", [])) != {"FARGATE", "FARGATE_SPOT"}:
        problems.append(f"cluster capacity providers {cluster.get('capacityProviders')}")
    log_groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    roles = {r["RoleName"]: r["Arn"] for r in iam.list_roles()["Roles"]}
    prefix = outputs["PYRAMYDAL_ECS_TASK_FAMILY_PREFIX"]["value"]
    kinds = sorted(p.stem for p in (ROOT / "tasks").glob("*.json"))
    task_role_of = {}
    for kind in kinds:
        td = ecs.describe_task_definition(taskDefinition=f"{prefix}{kind}")["taskDefinition"]
        c = td["containerDefinitions"][0]
        source = json.loads((ROOT / "tasks" / f"{kind}.json").read_text())["containerDefinitions"][0]
        task_role_of[kind] = td["taskRoleArn"]
        if c["command"] != source["command"]:
            problems.append(f"{kind}: registered command {c['command']}")
        if not c["image"].endswith(":0123abc") or ".dkr.ecr." not in c["image"]:
            problems.append(f"{kind}: image {c['image']}")
        if td["taskRoleArn"] not in roles.values() or td["executionRoleArn"] not in roles.values():
            problems.append(f"{kind}: roles {td['taskRoleArn']}, {td['executionRoleArn']} don't exist")
        if c["logConfiguration"]["options"]["awslogs-group"] not in log_groups:
            problems.append(f"{kind}: log group {c['logConfiguration']['options']['awslogs-group']} doesn't exist")
        for secret in c["secrets"]:
            arn = secret["valueFrom"].removesuffix(":password::")
            try:
                sm.describe_secret(SecretId=arn)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{kind}: secret {secret['name']} → {arn}: {e}")
        if any("${" in json.dumps(v) for v in c.values()):
            problems.append(f"{kind}: an unrendered placeholder")
    if len(set(task_role_of.values())) != len(kinds):
        problems.append("kinds share a task role")

    dispatcher_role = task_role_of["dispatcher"].rsplit("/", 1)[1]
    statements = []
    for role_name in {arn.rsplit("/", 1)[1] for arn in task_role_of.values()} | {"pyramydal-dev-task-execution"}:
        for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            for st in doc["Statement"]:
                statements.append((role_name, st))
    for role_name, st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if "*" in actions:
            problems.append(f"{role_name}: '*' action")
        sensitive = [a for a in actions if a.split(":")[0] in ("s3", "ecs", "iam")]
        if any("*" in a.split(":")[1] for a in sensitive):
            problems.append(f"{role_name}: wildcard action in {sensitive}")
        if sensitive and "*" in resources:
            problems.append(f"{role_name}: '*' resource for {sensitive}")
        if role_name == dispatcher_role and actions == ["ecs:RunTask"]:
            registered = {ecs.describe_task_definition(taskDefinition=f"{prefix}{k}")["taskDefinition"]["taskDefinitionArn"].rsplit(":", 1)[0]
                          for k in kinds if k not in SERVICE_KINDS}
            allowed = {r.rsplit(":", 1)[0] for r in resources}
            if allowed != registered:
                problems.append(f"RunTask resources {sorted(allowed)} ≠ registered families {sorted(registered)}")
            if st["Condition"]["ArnEquals"]["ecs:cluster"] != cluster["clusterArn"]:
                problems.append(f"RunTask cluster condition {st['Condition']} ≠ {cluster['clusterArn']}")
        if role_name == dispatcher_role and actions == ["iam:PassRole"]:
            expected = {arn for k, arn in task_role_of.items() if k not in SERVICE_KINDS} | {roles["pyramydal-dev-task-execution"]}
            if set(resources) != expected:
                problems.append(f"PassRole resources {sorted(resources)} ≠ the workers' and execution roles {sorted(expected)}")

    problems += check_web(client, cluster["clusterArn"], prefix)

    rule = client("events").describe_rule(Name="pyramydal-dev-incoming-object-created")
    pattern = json.loads(rule["EventPattern"])
    if pattern["detail"]["object"] != {"key": [{"prefix": "incoming/"}]}:
        problems.append(f"event pattern {pattern}")
    return problems


def check_web(client, cluster_arn: str, prefix: str) -> list[str]:
    """The web service as moto holds it: behind the load balancer's target
    group, listeners HTTPS (+ redirect), security groups chained."""
    problems = []
    ecs, elbv2, ec2 = client("ecs"), client("elbv2"), client("ec2")
    services = ecs.describe_services(cluster=cluster_arn, services=["web"])["services"]
    if not services:
        return ["no ECS service web"]
    service = services[0]
    if not service["taskDefinition"].split("/")[-1].startswith(f"{prefix}web:"):
        problems.append(f"web service runs {service['taskDefinition']}")
    lbs = service.get("loadBalancers", [])
    if [(lb.get("containerName"), lb.get("containerPort")) for lb in lbs] != [("web", 8080)]:
        problems.append(f"web service load balancers {lbs}")
    breaker = service.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
    if breaker and breaker != {"enable": True, "rollback": True}:
        problems.append(f"web circuit breaker {breaker}")
    tg = elbv2.describe_target_groups(TargetGroupArns=[lbs[0]["targetGroupArn"]])["TargetGroups"][0] if lbs else {}
    if tg.get("HealthCheckPath") != "/healthz" or tg.get("TargetType") != "ip" or tg.get("Port") != 8080:
        problems.append(f"target group {tg.get('HealthCheckPath')}, {tg.get('TargetType')}, {tg.get('Port')}")
    lb_arn = (tg.get("LoadBalancerArns") or [None])[0]
    if lb_arn is None:
        return problems + ["the web target group is on no load balancer"]
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]
    listeners = {l["Port"]: l for l in elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]}
    https, http = listeners.get(443, {}), listeners.get(80, {})
    if https.get("Protocol") != "HTTPS" or not https.get("SslPolicy", "").startswith("ELBSecurityPolicy-TLS13"):
        problems.append(f"443 listener {https.get('Protocol')} {https.get('SslPolicy')}")
    if [a.get("Type") for a in http.get("DefaultActions", [])] != ["redirect"]:
        problems.append(f"80 listener actions {http.get('DefaultActions')}")
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb_arn)["Attributes"]}
    for key in ["routing.http.drop_invalid_header_fields.enabled", "deletion_protection.enabled", "access_logs.s3.enabled"]:
        if attributes.get(key) != "true":
            problems.append(f"load balancer attribute {key} = {attributes.get(key)!r}")
    # Security groups: the tasks' own group admits the load balancer's group only.
    task_groups = service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
    alb_groups = set(lb.get("SecurityGroups", []))
    admitting = []
    for group in ec2.describe_security_groups(GroupIds=task_groups)["SecurityGroups"]:
        for perm in group.get("IpPermissions", []):
            admitting.append(group["GroupId"])
            sources = {p["GroupId"] for p in perm.get("UserIdGroupPairs", [])}
            if perm.get("IpRanges") or perm.get("Ipv6Ranges") or sources != alb_groups or perm.get("FromPort") != 8080:
                problems.append(f"web task ingress {perm}")
    if len(admitting) != 1:
        problems.append(f"web task groups with ingress: {admitting}")
    targets = client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    if not [t for t in targets if t["ResourceId"].endswith("/web")]:
        problems.append("no scalable target for the web service")
    return problems


def moto_certificate(url: str) -> str:
    """An ACM certificate in moto for the HTTPS listener (web_certificate_arn)."""
    import boto3

    acm = boto3.client("acm", endpoint_url=url, region_name=REGION,
                       aws_access_key_id="moto", aws_secret_access_key="moto")
    return acm.request_certificate(DomainName="pyramydal.example.com", ValidationMethod="DNS")["CertificateArn"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tofu")
    parser.add_argument("--plugin-dir", default="/opt/tf-plugins")
    args = parser.parse_args()

    moto, url = start_moto()
    scratch = Path(tempfile.mkdtemp(prefix="pyramydal-tofu-"))
    problems = []
    try:
        certificate = moto_certificate(url)
        shutil.copytree(ROOT / "infra", scratch / "infra")
        shutil.copytree(ROOT / "tasks", scratch / "tasks")
        for env in ENVS:
            env_dir = scratch / "infra" / "tofu" / "envs" / env
            endpoints = "\n".join(f'    {name} = "{url}"' for name in SERVICES)
            (env_dir / "moto_override.tf").write_text(OVERRIDE % {"endpoints": endpoints})
            run(args.tofu, env_dir, "init", "-input=false", "-no-color", f"-plugin-dir={args.plugin_dir}")
            run(args.tofu, env_dir, "validate", "-no-color")
            out = run(args.tofu, env_dir, "plan", "-input=false", "-no-color", "-lock=false",
                      "-var", "image_tag=0123abc", "-var", f"web_certificate_arn={certificate}", "-out=plan.bin")
            summary = next((l for l in out.splitlines() if l.startswith("Plan:")), "no summary")
            plan = json.loads(run(args.tofu, env_dir, "show", "-json", "plan.bin"))
            env_problems = check_plan(env, plan)
            problems += env_problems
            print(f"tofu-plan: envs/{env}: valid; {summary}{'' if env_problems else ' (checked)'}")
            if env == "dev":
                out = run(args.tofu, env_dir, "apply", "-input=false", "-no-color", "-auto-approve", "plan.bin")
                summary = next((l for l in out.splitlines() if l.startswith("Apply complete")), "no summary")
                outputs = json.loads(run(args.tofu, env_dir, "output", "-json"))
                apply_problems = check_applied(url, outputs)
                problems += apply_problems
                print(f"tofu-plan: envs/{env} applied to moto: {summary}{'' if apply_problems else ' (read back and checked)'}")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
    for p in problems:
        print(f"tofu-plan: FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
