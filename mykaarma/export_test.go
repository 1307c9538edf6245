package mykaarma

import "time"

// SetNow replaces the clock the client uses for Retry-After HTTP dates.
func SetNow(c *Client, now func() time.Time) { c.now = now }
