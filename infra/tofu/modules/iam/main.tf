# One task role per kind with exactly the S3 prefixes and actions it uses, one
# execution role (image pull, logs, the database secrets) shared by all
# kinds. ARNs of the cluster, task definitions and repository are built from
# names so this module does not depend on the ecs module (no cycle).
#
# No statement here allows a "*" action, or a "*" resource on S3, ECS or IAM
# (infra/tests/test_infra.py checks it). The one "*" resource is
# ecr:GetAuthorizationToken, which has no resource-level permissions.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  cluster_arn = "arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.cluster_name}"
  # Tasks in our cluster: arn:aws:ecs:region:account:task/<cluster>/<id>
  cluster_tasks_arn = "arn:${local.partition}:ecs:${local.region}:${local.account}:task/${var.cluster_name}/*"
  repository_arn    = "arn:${local.partition}:ecr:${local.region}:${local.account}:repository/${var.ecr_repository_name}"

  # The kinds that run as ECS services, not as jobs: the dispatcher never
  # launches them, nor passes their roles.
  service_kinds = ["dispatcher", "web"]
  # The kinds the dispatcher launches (the jobs).
  worker_kinds = [for k in var.kinds : k if !contains(local.service_kinds, k)]
  worker_task_definition_arns = [
    for k in local.worker_kinds :
    "arn:${local.partition}:ecs:${local.region}:${local.account}:task-definition/${var.family_prefix}${k}:*"
  ]

  # kind → its task role's policy. A kind in tasks/ without an entry here
  # fails the plan (see outputs.tf).
  task_policies = {
    ingest     = data.aws_iam_policy_document.ingest.json
    export     = data.aws_iam_policy_document.export.json
    print      = data.aws_iam_policy_document.print.json
    snapshot   = data.aws_iam_policy_document.snapshot.json
    dispatcher = data.aws_iam_policy_document.dispatcher.json
    web        = data.aws_iam_policy_document.web.json
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account}:*"]
    }
  }
}

# ingest: reads the dropped workbook, writes an error report next to it.
data "aws_iam_policy_document" "ingest" {
  statement {
    sid       = "ReadIncoming"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/incoming/*"]
  }
  statement {
    sid       = "WriteErrors"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/errors/*"]
  }
}

# export: CSV / XLSX files under reports/ (multipart for large ones).
data "aws_iam_policy_document" "export" {
  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/reports/*"]
  }
}

# print: PDF files under reports/.
data "aws_iam_policy_document" "print" {
  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/reports/*"]
  }
}

# snapshot: writes, reads back (incremental chain, verification) and prunes
# snapshots/ (retention).
data "aws_iam_policy_document" "snapshot" {
  statement {
    sid       = "ReadWriteDeleteSnapshots"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/snapshots/*"]
  }
  statement {
    sid       = "ListSnapshots"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["snapshots/", "snapshots/*"]
    }
  }
}

# dispatcher: sweeps incoming/, drains the queue, launches / watches / stops
# worker tasks in its own cluster, and passes only the workers' roles.
data "aws_iam_policy_document" "dispatcher" {
  statement {
    sid       = "ListIncoming"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["incoming/", "incoming/*"]
    }
  }
  statement {
    sid = "DrainIncomingQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [var.queue_arn]
  }
  statement {
    sid       = "RunWorkerTasks"
    actions   = ["ecs:RunTask"]
    resources = local.worker_task_definition_arns
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [local.cluster_arn]
    }
  }
  statement {
    sid       = "WatchAndStopTasks"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = [local.cluster_tasks_arn]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [local.cluster_arn]
    }
  }
  statement {
    sid       = "TagTasksAtLaunch"
    actions   = ["ecs:TagResource"]
    resources = [local.cluster_tasks_arn]
    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }
  statement {
    # Role ARNs by name: the roles' own policies come from these documents.
    sid     = "PassWorkerRoles"
    actions = ["iam:PassRole"]
    resources = concat(
      [for k in local.worker_kinds : "arn:${local.partition}:iam::${local.account}:role/${var.name}-${k}-task"],
      ["arn:${local.partition}:iam::${local.account}:role/${var.name}-task-execution"],
    )
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# web: uploads from the browser become workbooks under incoming/ (multipart
# for large ones; the S3 event makes the ingest job), and reports are read
# back (streamed, or presigned URLs, which carry the signer's rights). No
# list, no delete, nothing else in the bucket.
data "aws_iam_policy_document" "web" {
  statement {
    sid       = "ReadReports"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/reports/*"]
  }
  statement {
    sid       = "WriteIncoming"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/incoming/*"]
  }
}

resource "aws_iam_role" "task" {
  for_each = local.task_policies

  name               = "${var.name}-${each.key}-task"
  description        = "Pyramydal ${each.key} task role"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.task_policies

  name   = "${each.key}-task"
  role   = aws_iam_role.task[each.key].id
  policy = each.value
}

# Execution role: what ECS itself does before the container starts.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [local.repository_arn]
  }
  statement {
    sid     = "WriteLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      for n in values(var.log_group_names) :
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${n}:*"
    ]
  }
  statement {
    sid       = "ReadDatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_url_secret_arn, var.master_password_secret_arn]
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-task-execution"
  description        = "Pyramydal task execution role: image pull, logs, database secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "execution" {
  name   = "task-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}
