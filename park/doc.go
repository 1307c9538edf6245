// Package park holds what setting records aside needs below the worker: the
// headers of a parked record, the writer's balancer that puts it on the
// partition it came from, and the book that counts, per partition and
// tenant, the parked records not yet handed back.
//
// A parked record is an input record written to the parked topic when its
// tenant (for leadworker, the department) cannot be served: it then counts
// as answered, so commits move on, and it comes back to the same group from
// the parked topic. The parked topic is co-partitioned with the topics the
// records come from (one partition count; route.Aligned assigns partition p
// of each to one member), so one member holds an identity's records on both
// paths and the book of that member knows them all.
//
// It imports no other leadworker package.
package park
