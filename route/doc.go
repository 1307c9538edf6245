// Package route is identity routing's record format and partitioning: the
// headers a route record carries (the input record's position and key, the
// route stage's group, the input partition's epoch), and the route writer's
// balancer, which keeps the partition count routing started with until a
// change is taken up safely (Count, Backlog).
//
// It imports no leadworker package.
package route
