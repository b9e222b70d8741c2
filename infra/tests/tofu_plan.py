"""`tofu`/`terraform` validate and plan of infra/tofu/envs/* without AWS.

Providers can't be downloaded here, so this needs a local provider mirror
(`--plugin-dir`, default /opt/tf-plugins). The plan talks to a private moto
server on loopback (started and stopped here) through a `moto_override.tf`
in a scratch copy, so it evaluates what `validate` does not: the
templatefile rendering of tasks/*.json, every for_each, module wiring and
data sources. The plan is then read back (`show -json`) to prove that every
tasks/*.json kind gets a task definition (family, cpu, memory from its file),
its own task role and a log group.

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

OVERRIDE = """
terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "moto"
  secret_key                  = "moto"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {
    ec2 = "%(url)s"
    sts = "%(url)s"
    iam = "%(url)s"
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    outputs = {k for k in plan["planned_values"].get("outputs", {}) if k.startswith("PYRAMYDAL_")}
    if len(outputs) != 9:
        problems.append(f"{env}: planned PYRAMYDAL_* outputs {sorted(outputs)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tofu")
    parser.add_argument("--plugin-dir", default="/opt/tf-plugins")
    args = parser.parse_args()

    moto, url = start_moto()
    scratch = Path(tempfile.mkdtemp(prefix="pyramydal-tofu-"))
    problems = []
    try:
        shutil.copytree(ROOT / "infra", scratch / "infra")
        shutil.copytree(ROOT / "tasks", scratch / "tasks")
        for env in ENVS:
            env_dir = scratch / "infra" / "tofu" / "envs" / env
            (env_dir / "moto_override.tf").write_text(OVERRIDE % {"url": url})
            run(args.tofu, env_dir, "init", "-input=false", "-no-color", f"-plugin-dir={args.plugin_dir}")
            run(args.tofu, env_dir, "validate", "-no-color")
            out = run(args.tofu, env_dir, "plan", "-input=false", "-no-color", "-lock=false",
                      "-var", "image_tag=0123abc", "-out=plan.bin")
            summary = next((l for l in out.splitlines() if l.startswith("Plan:")), "no summary")
            plan = json.loads(run(args.tofu, env_dir, "show", "-json", "plan.bin"))
            env_problems = check_plan(env, plan)
            problems += env_problems
            print(f"tofu-plan: envs/{env}: valid; {summary}{'' if env_problems else ' (checked)'}")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
    for p in problems:
        print(f"tofu-plan: FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
