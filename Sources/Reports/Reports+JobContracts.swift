// A report's request (ReportRequest, its options, DiffRequest) is part of
// the export and print jobs' contract, so it lives in JobContracts; code
// that renders reports sees it as part of Reports.
@_exported import JobContracts
