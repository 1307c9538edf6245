package recovery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Commit metadata: where to look for answered work after a crash, and
// whether the offset is leadworker's own.
//
// Every commit of an input partition records, in the commit's metadata
// string, the partition's epoch and a position in every partition of the
// result and dead-letter topics:
//
//	lw2;<epoch>;<result topic>=<o0>,<o1>,...;<dead-letter topic>=<o0>,<o1>,...
//
// where oN is an offset in partition N of that topic (the positions may be
// missing: "lw2;<epoch>"). The invariant the positions keep (see
// Partition.Metadata) is:
//
//	every output written for an input offset at or above the committed
//	offset lies at or above the recorded position of its output partition.
//
// So the outputs of records answered but not committed before a crash are
// all between the recorded positions and the end of the output topics, and
// the next owner of the partition (this replica or another) finds them there
// (scan.go). Topic names contain only [a-zA-Z0-9._-], so they need no
// escaping.
//
// The epoch (milliseconds since 1970, 0 for none) tells a crash from an
// operator's reset. leadworker writes metadata with every commit, so a
// committed offset without it was set by someone else: an operator's
// offset reset (kafka-consumer-groups --reset-offsets writes none), or a
// group that never ran. The next owner then starts a new epoch, and records
// stamped with it are not taken for records answered before the reset: a
// reset means "do these again". Metadata of the previous
// version (lw1;, positions only) is read as epoch 0.

// metaVersion prefixes every metadata string this package writes.
const metaVersion = "lw2;"

// metaVersion1 is the previous version: positions without an epoch.
const metaVersion1 = "lw1;"

// positions are offsets in the output topics, one per partition, indexed by
// partition number.
type positions map[string][]int64

// commitMeta is what a commit's metadata says.
type commitMeta struct {
	epoch int64     // 0: none (metadata of the previous version)
	pos   positions // nil: none recorded
}

var (
	// errNoPositions: the commit carries no metadata (a first run, or an
	// offset set by an operator's tool).
	errNoPositions = errors.New("no commit metadata")
	// errOtherMetadata: metadata another version or another program wrote.
	errOtherMetadata = errors.New("commit metadata of another version or writer")
)

// encodeMeta writes the epoch and pos for topics, in that order. A topic pos
// does not have is left out (decodeMeta then does not return it).
func encodeMeta(epoch int64, pos positions, topics []string) string {
	var b strings.Builder
	b.WriteString(metaVersion)
	b.WriteString(strconv.FormatInt(epoch, 10))
	for _, t := range topics {
		offs, ok := pos[t]
		if !ok {
			continue
		}
		b.WriteByte(';')
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

// decodeMeta reads metadata written by encodeMeta, or by the previous
// version. It returns an error matching errNoPositions for empty metadata
// and errOtherMetadata for metadata of another writer; any other error means
// the metadata claims to be leadworker's but is damaged.
func decodeMeta(md string) (commitMeta, error) {
	if md == "" {
		return commitMeta{}, errNoPositions
	}
	if rest, ok := strings.CutPrefix(md, metaVersion1); ok {
		pos, err := decodePositions(rest)
		if err == nil && pos == nil {
			err = errors.New("commit metadata: lw1 without positions")
		}
		return commitMeta{pos: pos}, err
	}
	rest, ok := strings.CutPrefix(md, metaVersion)
	if !ok {
		return commitMeta{}, fmt.Errorf("%w: %.16q", errOtherMetadata, md)
	}
	ep, rest, _ := strings.Cut(rest, ";")
	epoch, err := strconv.ParseInt(ep, 10, 64)
	if err != nil || epoch < 0 {
		return commitMeta{}, fmt.Errorf("commit metadata: bad epoch %.20q", ep)
	}
	pos, err := decodePositions(rest)
	return commitMeta{epoch: epoch, pos: pos}, err
}

// decodePositions reads the positions part of the metadata; "" is none.
func decodePositions(s string) (positions, error) {
	if s == "" {
		return nil, nil
	}
	pos := positions{}
	for _, part := range strings.Split(s, ";") {
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
