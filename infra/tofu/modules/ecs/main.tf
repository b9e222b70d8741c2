# The cluster (FARGATE and FARGATE_SPOT), the image repository, one task
# definition per tasks/<kind>.json, and the dispatcher as a service.
#
# tasks/<kind>.json is the single description of a kind: the same file the
# local launcher reads for command and memory is rendered here with
# templatefile (its ${...} placeholders) and decoded with jsondecode.

data "aws_region" "current" {}

locals {
  image = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  template_vars = {
    for kind in var.kinds : kind => {
      image                        = local.image
      region                       = data.aws_region.current.name
      store                        = var.store
      execution_role_arn           = var.execution_role_arn
      task_role_arn                = var.task_role_arns[kind]
      log_group                    = var.log_group_names[kind]
      database_url_secret_arn      = var.database_url_secret_arn
      database_password_secret_arn = var.database_password_secret_arn
      sqs_queue_url                = var.sqs_queue_url
      cluster                      = aws_ecs_cluster.this.name
      subnets                      = join(",", var.subnet_ids)
      security_groups              = join(",", var.security_group_ids)
      family_prefix                = var.family_prefix
      trusted_proxies              = var.trusted_proxies
    }
  }

  # The files as they are: the fields without placeholders (cpu, memory, …)
  # are known at plan time, so a pull request's plan shows their changes.
  files = {
    for kind in var.kinds :
    kind => jsondecode(file("${var.tasks_dir}/${kind}.json"))
  }

  # The files rendered: container definitions and role ARNs.
  definitions = {
    for kind in var.kinds :
    kind => jsondecode(templatefile("${var.tasks_dir}/${kind}.json", local.template_vars[kind]))
  }
}

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the newest 30 images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 30
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = var.worker_capacity_provider
    weight            = 1
  }
}

resource "aws_ecs_task_definition" "task" {
  for_each = local.files

  family                   = "${var.family_prefix}${each.key}"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  network_mode             = each.value.networkMode
  requires_compatibilities = each.value.requiresCompatibilities
  execution_role_arn       = local.definitions[each.key].executionRoleArn
  task_role_arn            = local.definitions[each.key].taskRoleArn
  container_definitions    = jsonencode(local.definitions[each.key].containerDefinitions)

  runtime_platform {
    operating_system_family = each.value.runtimePlatform.operatingSystemFamily
    cpu_architecture        = each.value.runtimePlatform.cpuArchitecture
  }

  dynamic "volume" {
    for_each = try(each.value.volumes, [])
    content {
      name = volume.value.name
    }
  }
}

resource "aws_ecs_service" "dispatcher" {
  name                   = "dispatcher"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.task["dispatcher"].arn
  desired_count          = var.dispatcher_count
  platform_version       = "LATEST"
  propagate_tags         = "SERVICE"
  enable_execute_command = false

  # Several dispatchers may run at once (they coordinate in PostgreSQL), so a
  # rolling deployment starts the new one before stopping the old.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}
