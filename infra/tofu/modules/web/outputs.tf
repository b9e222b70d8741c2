output "alb_dns_name" {
  description = "DNS name of the load balancer (point the certificate's name at it, CNAME or alias)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer (for a Route 53 alias record)."
  value       = aws_lb.this.zone_id
}

output "alb_arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "target_group_arn" {
  description = "The web tasks' target group."
  value       = aws_lb_target_group.web.arn
}

output "service_name" {
  description = "The ECS service."
  value       = aws_ecs_service.web.name
}

output "security_group_id" {
  description = "The web tasks' own security group (ingress from the load balancer)."
  value       = aws_security_group.web.id
}

output "access_logs_bucket" {
  description = "Bucket of the load balancer's access logs."
  value       = aws_s3_bucket.access_logs.id
}
