// Package watermark tracks where a partition may be committed while its
// records finish out of order: the lowest offset not yet finished. A record
// is finished when its output is durably written, so nothing at or above the
// watermark is ever committed unanswered.
//
// It imports no other leadworker package.
package watermark
