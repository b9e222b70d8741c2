output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "cidr_block" {
  description = "The VPC's address range."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets for the tasks and the database (PYRAMYDAL_ECS_SUBNETS)."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnets for an internet-facing load balancer (empty unless public_subnets)."
  value       = aws_subnet.public[*].id
}

output "tasks_security_group_id" {
  description = "Security group of every Pyramydal task (PYRAMYDAL_ECS_SECURITY_GROUPS)."
  value       = aws_security_group.tasks.id
}
