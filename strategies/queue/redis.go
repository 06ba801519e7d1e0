package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fanbench/fanbench/strategies"
)

// redisPoll is how long a consumer blocks in XREADGROUP before it looks
// for pending entries to reclaim; it adds at most this much to a
// redelivery's delay.
const redisPoll = 20 * time.Millisecond

// redisUpCheck bounds the PING that tells whether a broker seen down is
// back.
const redisUpCheck = 100 * time.Millisecond

// redisStreams is the Redis Streams broker. A run has one stream,
// <name>:send, with a consumer group per API, so each API's consumer gets
// every entry. A failed attempt stays in the group's pending entries list:
// its idle time is set so that it reaches the reclaim time (max of ack
// wait and backoff max) exactly when its retry delay ends, and XAUTOCLAIM
// hands it out again then, its delivery count (read with XPENDING) one
// higher. Entries are added with MAXLEN ~ MaxMessages, but a publish is
// refused while trimming would drop an entry some group has not settled.
// Ids are deduplicated for dedupWindow with a key per id. Dead letters go
// to a stream per API, <name>:dlq:<api>.
type redisStreams struct {
	cfg    brokerConfig
	where  string
	rdb    *redis.Client
	stream string
	down   atomic.Bool

	pub, dl, pend *redis.Script // publishScript, deadLetterScript, pendingScript // a command failed on the network; Up pings until it works
}

var _ broker = (*redisStreams)(nil)

// openRedis connects to the Redis server at rawURL and creates the run's
// stream and consumer groups. On error it deletes what it created.
func openRedis(ctx context.Context, rawURL string, cfg brokerConfig) (*redisStreams, error) {
	ropt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("queue: broker URL %q: %w; want redis://HOST:PORT/DB", rawURL, err)
	}
	ropt.DialTimeout = dialTimeout
	ropt.ClientName = "fanbench-queue"
	ropt.ContextTimeoutEnabled = true
	r := &redisStreams{cfg: cfg, where: redact(rawURL), rdb: redis.NewClient(ropt), stream: cfg.Name + ":send",
		pub: redis.NewScript(publishScript), dl: redis.NewScript(deadLetterScript), pend: redis.NewScript(pendingScript)}
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		r.rdb.Close()
		return nil, fmt.Errorf("%w %s: %w; start a Redis server (6.2 or later) there", ErrConnect, r.where, err)
	}
	if n, err := r.rdb.Exists(ctx, r.stream).Result(); err != nil || n > 0 {
		r.rdb.Close()
		if err != nil {
			return nil, fmt.Errorf("queue: %s: look up stream %q: %w", r.where, r.stream, err)
		}
		return nil, fmt.Errorf("%w: %q on %s; choose another stream name or delete it", ErrStreamExists, r.stream, r.where)
	}
	for _, api := range cfg.APIs {
		if err := r.rdb.XGroupCreateMkStream(ctx, r.stream, api, "0").Err(); err != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
			defer cancel()
			return nil, errors.Join(fmt.Errorf("queue: %s: create consumer group %q on %q: %w", r.where, api, r.stream, err), r.Close(cctx))
		}
	}
	return r, nil
}

// dlq returns the name of api's dead-letter stream.
func (r *redisStreams) dlq(api string) string { return r.cfg.Name + ":dlq:" + api }

// idKey returns the deduplication key of a send id.
func (r *redisStreams) idKey(id string) string { return r.cfg.Name + ":id:" + id }

// publishScript adds a send unless its id was seen within the dedup
// window (returns 0) or the stream is full of entries a group has not
// settled, so that trimming would lose one (returns -1); else 1.
// KEYS: stream, id key. ARGV: max length, dedup window in ms, id, body.
const publishScript = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local maxlen = tonumber(ARGV[1])
local len = redis.call('XLEN', KEYS[1])
if len >= maxlen then
  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', len - maxlen + 1)
  local last = old[#old][1]
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local name, delivered
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i+1] elseif g[i] == 'last-delivered-id' then delivered = g[i+1] end
    end
    if less(delivered, last) then return -1 end
    local p = redis.call('XPENDING', KEYS[1], name)
    if p[1] > 0 and not less(last, p[2]) then return -1 end
  end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'id', ARGV[3], 'body', ARGV[4])
redis.call('SET', KEYS[2], 1, 'PX', ARGV[2])
return 1
`

// Publish implements broker.
func (r *redisStreams) Publish(ctx context.Context, s strategies.Send) (bool, error) {
	res, err := r.pub.Run(ctx, r.rdb, []string{r.stream, r.idKey(s.ID)},
		r.cfg.MaxMessages, dedupWindow.Milliseconds(), s.ID, s.Body).Int()
	if err != nil {
		return false, r.noteErr(err)
	}
	switch res {
	case 0:
		return true, nil
	case -1:
		return false, fmt.Errorf("%w: stream %q holds %d entries not yet settled", ErrFull, r.stream, r.cfg.MaxMessages)
	}
	return false, nil
}

// noteErr marks the broker down when err is a network error, and returns err.
func (r *redisStreams) noteErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, redis.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		r.down.Store(true)
	}
	return err
}

// Up implements broker: true until a command fails on the network, then
// true again once a PING answers.
func (r *redisStreams) Up() bool {
	if !r.down.Load() {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisUpCheck)
	defer cancel()
	if r.rdb.Ping(ctx).Err() != nil {
		return false
	}
	r.down.Store(false)
	return true
}

// Subscribe implements broker.
func (r *redisStreams) Subscribe(_ context.Context, api string, prefetch int) (subscription, error) {
	return &redisSub{r: r, api: api, count: int64(prefetch), cursor: "0-0", stop: make(chan struct{})}, nil
}

// deadLetterScript stores a dead letter unless api already has one for the
// id (returns 0); else 1. KEYS: dead-letter stream, set of its ids.
// ARGV: max length, id, body, then header name/value pairs.
const deadLetterScript = `
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return 0 end
local fields = {'body', ARGV[3]}
for i = 4, #ARGV do fields[#fields+1] = ARGV[i] end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`

// DeadLetter implements broker: the body and the dead letter's headers as
// the fields of an entry of <name>:dlq:<api>.
func (r *redisStreams) DeadLetter(ctx context.Context, dl deadLetter) (bool, error) {
	args := []any{r.cfg.MaxMessages, dl.Send.ID, dl.Send.Body}
	for _, h := range dl.headers() {
		args = append(args, h[0], h[1])
	}
	res, err := r.dl.Run(ctx, r.rdb, []string{r.dlq(dl.API), r.dlq(dl.API) + ":ids"}, args...).Int()
	if err != nil {
		return false, r.noteErr(err)
	}
	return res == 0, nil
}

// pendingScript returns the entries a group has not settled: its pending
// entries plus those not yet delivered to it (counted up to ARGV[2] when
// the server cannot tell the group's lag). KEYS: stream. ARGV: group, cap.
const pendingScript = `
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i+1] end
  if f['name'] == ARGV[1] then
    local lag = f['lag']
    if type(lag) ~= 'number' then
      lag = #redis.call('XRANGE', KEYS[1], '(' .. f['last-delivered-id'], '+', 'COUNT', ARGV[2])
    end
    return f['pending'] + lag
  end
end
return redis.error_reply('no consumer group ' .. ARGV[1])
`

// Pending implements broker.
func (r *redisStreams) Pending(ctx context.Context, api string) (int, error) {
	n, err := r.pend.Run(ctx, r.rdb, []string{r.stream}, api, r.cfg.MaxMessages).Int()
	if err != nil {
		return 0, fmt.Errorf("queue: %s: pending of group %q: %w", r.where, api, r.noteErr(err))
	}
	return n, nil
}

// Close implements broker: it deletes every key of the run (the stream
// with its groups, the dead letters, the dedup keys) and closes the client.
func (r *redisStreams) Close(ctx context.Context) error {
	var errs []error
	keys := []string{r.stream}
	for _, api := range r.cfg.APIs {
		keys = append(keys, r.dlq(api), r.dlq(api)+":ids")
	}
	if err := r.rdb.Del(ctx, keys...).Err(); err != nil {
		errs = append(errs, fmt.Errorf("queue: %s: delete %v: %w", r.where, keys, err))
	}
	it := r.rdb.Scan(ctx, 0, r.idKey("*"), 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			if err := r.rdb.Unlink(ctx, batch...).Err(); err != nil {
				errs = append(errs, fmt.Errorf("queue: %s: delete dedup keys: %w", r.where, err))
			}
			batch = batch[:0]
		}
	}
	for it.Next(ctx) {
		if batch = append(batch, it.Val()); len(batch) == 1000 {
			flush()
		}
	}
	flush()
	if err := it.Err(); err != nil {
		errs = append(errs, fmt.Errorf("queue: %s: scan dedup keys: %w", r.where, err))
	}
	if err := r.rdb.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// redisSub is one API's consumer: XREADGROUP for new entries, and
// XAUTOCLAIM for pending ones idle past the reclaim time (failed attempts
// whose delay has passed, or deliveries of a consumer that died).
type redisSub struct {
	r     *redisStreams
	api   string
	count int64

	buf         []delivery // read but not handed out yet
	lastReclaim time.Time
	cursor      string // where the next XAUTOCLAIM starts
	stopOnce    sync.Once
	stop        chan struct{}
}

var _ subscription = (*redisSub)(nil)

// Next implements subscription. Network errors (a broker restarting) are
// retried every redisPoll until the broker answers or ctx ends.
func (s *redisSub) Next(ctx context.Context) (delivery, error) {
	for len(s.buf) == 0 {
		select {
		case <-s.stop:
			return delivery{}, errors.New("queue: subscription stopped")
		case <-ctx.Done():
			return delivery{}, ctx.Err()
		default:
		}
		if err := s.fill(ctx); err != nil {
			if ctx.Err() != nil {
				return delivery{}, ctx.Err()
			}
			s.r.noteErr(err)
			t := time.NewTimer(redisPoll)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			case <-s.stop:
				t.Stop()
			}
		}
	}
	d := s.buf[0]
	s.buf = s.buf[1:]
	return d, nil
}

// fill reclaims pending entries whose time has come, then, if there were
// none, blocks up to redisPoll for new ones.
func (s *redisSub) fill(ctx context.Context) error {
	if s.cursor != "0-0" || time.Since(s.lastReclaim) >= redisPoll {
		s.lastReclaim = time.Now()
		msgs, next, deleted, err := s.r.rdb.XAutoClaimWithDeleted(ctx, &redis.XAutoClaimArgs{
			Stream: s.r.stream, Group: s.api, Consumer: s.api, MinIdle: s.r.cfg.Reclaim, Start: s.cursor, Count: s.count,
		}).Result()
		if err != nil {
			return fmt.Errorf("queue: %s: XAUTOCLAIM %s: %w", s.r.where, s.api, err)
		}
		// XAUTOCLAIM looks at a bounded stretch of the pending list per
		// call: go on from where it stopped, and from the start once it
		// has been through (cursor 0-0).
		s.cursor = next
		if len(deleted) > 0 {
			s.r.cfg.Logf("queue: %s: %d pending entries of %s were trimmed before delivery: %v", s.r.where, len(deleted), s.api, deleted)
		}
		for _, m := range msgs {
			n, err := s.deliveries(ctx, m.ID)
			if err != nil {
				return err
			}
			s.buf = append(s.buf, s.delivery(m, n))
		}
		if len(s.buf) > 0 || s.cursor != "0-0" {
			return nil // more may be due further on: look again at once
		}
	}
	streams, err := s.r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: s.api, Consumer: s.api, Streams: []string{s.r.stream, ">"}, Count: s.count, Block: redisPoll,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil // nothing new within redisPoll
	}
	if err != nil {
		return fmt.Errorf("queue: %s: XREADGROUP %s: %w", s.r.where, s.api, err)
	}
	for _, st := range streams {
		for _, m := range st.Messages {
			s.buf = append(s.buf, s.delivery(m, 1))
		}
	}
	return nil
}

// deliveries returns how many times entry id has been delivered to the
// group, from XPENDING.
func (s *redisSub) deliveries(ctx context.Context, id string) (int, error) {
	p, err := s.r.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: s.r.stream, Group: s.api, Start: id, End: id, Count: 1,
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("queue: %s: XPENDING %s %s: %w", s.r.where, s.api, id, err)
	}
	if len(p) == 0 {
		return 1, nil // settled meanwhile; a delivery of it is harmless
	}
	return int(p[0].RetryCount), nil
}

// delivery turns a stream entry into a delivery of attempt n.
func (s *redisSub) delivery(m redis.XMessage, n int) delivery {
	id, _ := m.Values["id"].(string)
	body, _ := m.Values["body"].(string)
	return delivery{
		Send:    strategies.Send{ID: id, Body: []byte(body)},
		Attempt: n,
		verdict: &redisVerdict{s: s, entry: m.ID},
	}
}

// Stop implements subscription.
func (s *redisSub) Stop() { s.stopOnce.Do(func() { close(s.stop) }) }

// redisVerdict settles one delivered entry.
type redisVerdict struct {
	s     *redisSub
	entry string
}

// verdictTimeout bounds an ack, nak or term: the verdict interface has no
// ctx, and a lost verdict only means a later redelivery.
const verdictTimeout = 5 * time.Second

// Ack implements verdict.
func (v *redisVerdict) Ack() error {
	ctx, cancel := context.WithTimeout(context.Background(), verdictTimeout)
	defer cancel()
	return v.s.r.noteErr(v.s.r.rdb.XAck(ctx, v.s.r.stream, v.s.api, v.entry).Err())
}

// Term implements verdict: the dead letter is stored, so the entry is
// settled like an ack.
func (v *redisVerdict) Term() error { return v.Ack() }

// NakWithDelay implements verdict: the entry stays pending, its idle time
// set so that it reaches the reclaim time when delay has passed (a delay
// past the reclaim time is cut to it).
func (v *redisVerdict) NakWithDelay(delay time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), verdictTimeout)
	defer cancel()
	idle := max(v.s.r.cfg.Reclaim-delay, 0)
	err := v.s.r.rdb.Do(ctx, "XCLAIM", v.s.r.stream, v.s.api, v.s.api, 0, v.entry,
		"IDLE", strconv.FormatInt(idle.Milliseconds(), 10), "JUSTID").Err()
	return v.s.r.noteErr(err)
}
