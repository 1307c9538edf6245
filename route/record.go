package route

import (
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Route headers: the input record's position and key, the route stage's
// group and the input partition's epoch. A route record without HeaderKey
// had a null key; one with an empty HeaderKey had an empty key.
const (
	HeaderTopic     = "leadworker.route.topic"
	HeaderPartition = "leadworker.route.partition"
	HeaderOffset    = "leadworker.route.offset"
	HeaderKey       = "leadworker.route.key"
	HeaderGroup     = "leadworker.route.group"
	HeaderEpoch     = "leadworker.route.epoch"
)

// Own reports whether key is a route header.
func Own(key string) bool {
	switch key {
	case HeaderTopic, HeaderPartition, HeaderOffset, HeaderKey, HeaderGroup, HeaderEpoch:
		return true
	}
	return false
}

// Carried is what a route record carries of the input record.
type Carried struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte // nil: a null key
	Group     string // the route stage's group; "" when not said
	Epoch     int64  // the input partition's epoch; 0 when not said
}

// Headers returns c's route headers.
func Headers(c Carried) []kafka.Header {
	h := []kafka.Header{
		{Key: HeaderTopic, Value: []byte(c.Topic)},
		{Key: HeaderPartition, Value: []byte(strconv.Itoa(c.Partition))},
		{Key: HeaderOffset, Value: []byte(strconv.FormatInt(c.Offset, 10))},
		{Key: HeaderGroup, Value: []byte(c.Group)},
	}
	if c.Epoch != 0 {
		h = append(h, kafka.Header{Key: HeaderEpoch, Value: []byte(strconv.FormatInt(c.Epoch, 10))})
	}
	if c.Key != nil {
		h = append(h, kafka.Header{Key: HeaderKey, Value: c.Key})
	}
	return h
}

// Parse reads what a route record carries from its headers; false when they
// are incomplete or damaged.
func Parse(keys []string, values [][]byte) (Carried, bool) {
	var c Carried
	var partition, offset, epoch string
	hasKey := false
	for i, k := range keys {
		v := values[i]
		switch k {
		case HeaderTopic:
			c.Topic = string(v)
		case HeaderPartition:
			partition = string(v)
		case HeaderOffset:
			offset = string(v)
		case HeaderKey:
			c.Key, hasKey = v, true
		case HeaderGroup:
			c.Group = string(v)
		case HeaderEpoch:
			epoch = string(v)
		}
	}
	p, err1 := strconv.Atoi(partition)
	o, err2 := strconv.ParseInt(offset, 10, 64)
	var err3 error
	if epoch != "" {
		c.Epoch, err3 = strconv.ParseInt(epoch, 10, 64)
	}
	if c.Topic == "" || err1 != nil || err2 != nil || err3 != nil {
		return Carried{}, false
	}
	c.Partition, c.Offset = p, o
	if hasKey && c.Key == nil {
		c.Key = []byte{}
	}
	return c, true
}
