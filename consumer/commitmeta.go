package consumer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Commit metadata: where to look for answered work after a crash.
//
// Every commit of an input partition records, in the commit's metadata
// string, a position in every partition of the result and dead-letter topics:
//
//	lw1;<result topic>=<o0>,<o1>,...;<dead-letter topic>=<o0>,<o1>,...
//
// where oN is an offset in partition N of that topic. The invariant the
// positions keep (see recovery.commitMetadata) is:
//
//	every output written for an input offset at or above the committed
//	offset lies at or above the recorded position of its output partition.
//
// So the outputs of records answered but not committed before a crash are
// all between the recorded positions and the end of the output topics, and
// the next owner of the partition (this replica or another) finds them there
// (answered.go). Topic names contain only [a-zA-Z0-9._-], so they need no
// escaping.

// metaVersion prefixes every metadata string this package writes.
const metaVersion = "lw1;"

// positions are offsets in the output topics, one per partition, indexed by
// partition number.
type positions map[string][]int64

var (
	// errNoPositions: the commit carries no metadata (a first run, a commit
	// without room for it, or a leadworker from before commit metadata).
	errNoPositions = errors.New("no output positions recorded")
	// errOtherMetadata: metadata another version or another program wrote.
	errOtherMetadata = errors.New("commit metadata of another version or writer")
)

// encodePositions writes pos for topics, in that order. A topic pos does not
// have is left out (decodePositions then does not return it).
func encodePositions(pos positions, topics []string) string {
	var b strings.Builder
	b.WriteString(metaVersion)
	first := true
	for _, t := range topics {
		offs, ok := pos[t]
		if !ok {
			continue
		}
		if !first {
			b.WriteByte(';')
		}
		first = false
		b.WriteString(t)
		b.WriteByte('=')
		for i, o := range offs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(o, 10))
		}
	}
	return b.String()
}

// decodePositions reads metadata written by encodePositions. It returns an
// error matching errNoPositions for empty metadata and errOtherMetadata for
// metadata without the lw1 prefix; any other error means the metadata claims
// to be lw1 but is damaged.
func decodePositions(md string) (positions, error) {
	if md == "" {
		return nil, errNoPositions
	}
	rest, ok := strings.CutPrefix(md, metaVersion)
	if !ok {
		return nil, fmt.Errorf("%w: %.16q", errOtherMetadata, md)
	}
	pos := positions{}
	for _, part := range strings.Split(rest, ";") {
		t, list, ok := strings.Cut(part, "=")
		if !ok || t == "" || list == "" {
			return nil, fmt.Errorf("commit metadata: malformed topic entry %.40q", part)
		}
		if _, dup := pos[t]; dup {
			return nil, fmt.Errorf("commit metadata: topic %q twice", t)
		}
		fields := strings.Split(list, ",")
		offs := make([]int64, len(fields))
		for i, f := range fields {
			o, err := strconv.ParseInt(f, 10, 64)
			if err != nil || o < 0 {
				return nil, fmt.Errorf("commit metadata: topic %q partition %d: bad offset %.20q", t, i, f)
			}
			offs[i] = o
		}
		pos[t] = offs
	}
	return pos, nil
}
