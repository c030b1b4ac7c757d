// Command gocallers runs the capacity benchmark's synthetic calls: many calls from one
// process, their speech and the room noise between sentences Opus-encoded once (by
// bench/capacity/opus_callers.py) and the agent's audio never decoded, so a call costs
// the callers' core a small fraction of what a livekit.rtc caller does (no encoder for
// the microphone, no decoder or resampler for the ear).
//
// Protocol, one JSON object per line:
//
//	stdin  1: the Spec
//	stdout  : {"event":"ready","arrived":N} once every call has heard its greeting
//	          (or the arrival deadline passed)
//	stdin  2: any line, to release the calls (the bench opens its measuring window first)
//	stdout  : {"event":"done","calls":[Outcome...]}
//
// Times are seconds on this process's monotonic clock. The reply is detected on RTP
// arrival: an Opus payload larger than VoicedBytes (the agent's silence packets are a
// few bytes). So voice-to-voice here excludes the caller's own playout buffer.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

const frame = 20 * time.Millisecond

// Sentence is one utterance as ready-made Opus packets of 20 ms.
type Sentence struct {
	Text        string   `json:"text"`
	Packets     [][]byte `json:"packets"`
	VoicedUntil int      `json:"voiced_until"` // index after the last voiced packet
}

// Spec is what the bench asks for.
type Spec struct {
	API           string     `json:"api"`
	APIKey        string     `json:"api_key"`
	Sentences     []Sentence `json:"sentences"`
	Between       [][]byte   `json:"between"` // what the microphone hears between sentences, cycled
	Plans         [][]int    `json:"plans"`   // per call, the sentences it says, by index
	StaggerS      float64    `json:"stagger_s"`
	MaxOffsetS    float64    `json:"max_offset_s"`
	ArriveS       float64    `json:"arrive_s"`
	ReplyTimeoutS float64    `json:"reply_timeout_s"`
	QuietS        float64    `json:"quiet_s"`
	VoicedBytes   int        `json:"voiced_bytes"`
	Seed          int64      `json:"seed"`
}

// Turn is one sentence and when its reply started (nil: none came).
type Turn struct {
	Said       string   `json:"said"`
	SpokeUntil float64  `json:"spoke_until"`
	ReplyAt    *float64 `json:"reply_at"`
}

// Outcome is one call.
type Outcome struct {
	Room     string  `json:"room"`
	Turns    []Turn  `json:"turns"`
	JitterMs float64 `json:"jitter_ms"`
	// MicLateMs is the longest the microphone woke behind its 20 ms clock (it then
	// catches up): how far the callers' own scheduling could have skewed the timing.
	MicLateMs float64 `json:"mic_late_ms"`
	// EpochUnix is when the callers' clock read zero, in Unix seconds: the bench lines
	// the turns up with the worker's log, which has the same machine's clock.
	EpochUnix float64 `json:"epoch_unix"`
	Error     string  `json:"error,omitempty"`
}

var epoch = time.Now()

func since(t time.Time) float64 { return t.Sub(epoch).Seconds() }

// ear notes when the agent's voice starts and when it was last heard.
type ear struct {
	mu         sync.Mutex
	started    chan struct{}
	startedAt  time.Time
	lastVoice  time.Time
	subscribed chan struct{}
	once       sync.Once
	jitter     jitter
}

// jitter is RFC 3550's interarrival jitter of the agent's packets (in RTP units of
// 1/48000 s), averaged over the call: how evenly the worker's media reaches a caller.
type jitter struct {
	prevArrival time.Time
	prevTS      uint32
	estimate    float64
	sum         float64
	count       int
}

func (j *jitter) add(arrival time.Time, ts uint32) {
	if !j.prevArrival.IsZero() {
		d := arrival.Sub(j.prevArrival).Seconds()*48000 - float64(int32(ts-j.prevTS))
		j.estimate += (math.Abs(d) - j.estimate) / 16
		j.sum += j.estimate
		j.count++
	}
	j.prevArrival, j.prevTS = arrival, ts
}

func (j *jitter) meanMs() float64 {
	if j.count == 0 {
		return 0
	}
	return j.sum / float64(j.count) / 48
}

func newEar() *ear {
	return &ear{started: make(chan struct{}), subscribed: make(chan struct{})}
}

func (e *ear) reset() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = make(chan struct{})
	e.startedAt = time.Time{}
	return e.started
}

// packet takes in one of the agent's packets as it arrives.
func (e *ear) packet(at time.Time, ts uint32, voiced bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jitter.add(at, ts)
	if !voiced {
		return
	}
	if e.startedAt.IsZero() {
		e.startedAt = at
		close(e.started)
	}
	e.lastVoice = at
}

func (e *ear) listen(track *webrtc.TrackRemote, voicedBytes int) {
	e.once.Do(func() { close(e.subscribed) })
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		e.packet(time.Now(), pkt.Timestamp, len(pkt.Payload) > voicedBytes)
	}
}

// quiet waits until the agent has been silent for quietFor, at most timeout.
func (e *ear) quiet(quietFor, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		last := e.lastVoice
		e.mu.Unlock()
		if time.Since(last) > quietFor {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// microphone sends a packet every 20 ms: the next one of the sentence being said, or
// of the room noise it hears between sentences, as a browser's microphone does.
type microphone struct {
	track   *lksdk.LocalTrack
	between [][]byte
	say     chan sayRequest

	current    *sayRequest
	next, room int
	spokeUntil time.Time
	lateMax    atomic.Int64 // ns: the longest this goroutine woke behind its clock
}

type sayRequest struct {
	sentence *Sentence
	done     chan time.Time // when the last voiced packet left
}

// run sends every packet that is due by the wall clock, catching up after a late
// wake-up, so the RTP clock (20 ms a packet) never falls behind real time: a skipped
// tick would look to the agent's jitter buffer like packets arriving late.
func (m *microphone) run(ctx context.Context) {
	ticker := time.NewTicker(frame)
	defer ticker.Stop()
	start, sent := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		elapsed := time.Since(start)
		if late := elapsed - time.Duration(sent+1)*frame; int64(late) > m.lateMax.Load() {
			m.lateMax.Store(int64(late))
		}
		for ; sent < int(elapsed/frame); sent++ {
			m.sendOne()
		}
	}
}

func (m *microphone) sendOne() {
	if m.current == nil {
		select {
		case req := <-m.say:
			m.current, m.next = &req, 0
		default:
		}
	}
	var payload []byte
	if m.current != nil {
		payload = m.current.sentence.Packets[m.next]
	} else {
		payload = m.between[m.room%len(m.between)]
		m.room++
	}
	if err := m.track.WriteSample(media.Sample{Data: payload, Duration: frame}, nil); err != nil {
		fmt.Fprintln(os.Stderr, "write sample:", err)
	}
	if m.current == nil {
		return
	}
	m.next++
	if m.next == m.current.sentence.VoicedUntil {
		m.spokeUntil = time.Now()
	}
	if m.next == len(m.current.sentence.Packets) {
		m.current.done <- m.spokeUntil
		m.current = nil
	}
}

// startLine holds the calls until every one has arrived (or gave up), then until the
// bench releases them.
type startLine struct {
	mu       sync.Mutex
	waiting  int
	all      chan struct{}
	released chan struct{}
}

func (s *startLine) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting--
	if s.waiting == 0 {
		close(s.all)
	}
}

type token struct {
	ServerURL        string `json:"serverUrl"`
	RoomName         string `json:"roomName"`
	ParticipantToken string `json:"participantToken"`
}

func fetchToken(client *http.Client, spec *Spec, name string) (*token, error) {
	body, _ := json.Marshal(map[string]string{"participantName": name})
	req, err := http.NewRequest(http.MethodPost, spec.API+"/api/token", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-api-key", spec.APIKey)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return nil, fmt.Errorf("POST /api/token: %d %s", resp.StatusCode, text)
	}
	var t token
	return &t, json.NewDecoder(resp.Body).Decode(&t)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// waitFor is a bounded wait on a channel.
func waitFor(ch <-chan struct{}, timeout time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(timeout):
		return false
	}
}

func call(i int, spec *Spec, line *startLine, offset time.Duration, client *http.Client) (out Outcome) {
	out.EpochUnix = float64(epoch.UnixNano()) / 1e9
	arrived := false
	defer func() {
		if !arrived {
			line.leave()
		}
	}()
	time.Sleep(time.Duration(i) * seconds(spec.StaggerS))
	tok, err := fetchToken(client, spec, fmt.Sprintf("caller-%d-%06x", i, rand.Intn(1<<24)))
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Room = tok.RoomName
	heard := newEar()
	callbacks := &lksdk.RoomCallback{ParticipantCallback: lksdk.ParticipantCallback{
		OnTrackSubscribed: func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
			if track.Kind() == webrtc.RTPCodecTypeAudio && rp.Kind() == lksdk.ParticipantAgent {
				go heard.listen(track, spec.VoicedBytes)
			}
		},
	}}
	room, err := lksdk.ConnectToRoomWithToken(tok.ServerURL, tok.ParticipantToken, callbacks,
		lksdk.WithConnectTimeout(30*time.Second))
	if err != nil {
		out.Error = "connect: " + err.Error()
		return out
	}
	defer room.Disconnect()
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		out.Error = err.Error()
		return out
	}
	if _, err := room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "microphone", Source: livekit.TrackSource_MICROPHONE,
	}); err != nil {
		out.Error = "publish: " + err.Error()
		return out
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	mic := &microphone{track: track, between: spec.Between, say: make(chan sayRequest)}
	go mic.run(ctx)
	replyTimeout, quietFor := seconds(spec.ReplyTimeoutS), seconds(spec.QuietS)
	if !waitFor(heard.subscribed, 30*time.Second) {
		out.Error = "the agent's audio was never subscribed"
		return out
	}
	// the agent greets first: let the greeting start and end
	waitFor(heard.started, replyTimeout)
	heard.quiet(quietFor, replyTimeout)
	arrived = true
	line.leave()
	<-line.released
	time.Sleep(offset)
	for _, index := range spec.Plans[i] {
		sentence := &spec.Sentences[index]
		started := heard.reset()
		done := make(chan time.Time, 1)
		mic.say <- sayRequest{sentence: sentence, done: done}
		turn := Turn{Said: sentence.Text, SpokeUntil: since(<-done)}
		if waitFor(started, replyTimeout) {
			heard.mu.Lock()
			at := since(heard.startedAt)
			heard.mu.Unlock()
			turn.ReplyAt = &at
			heard.quiet(quietFor, replyTimeout)
		}
		out.Turns = append(out.Turns, turn)
	}
	heard.mu.Lock()
	out.JitterMs = heard.jitter.meanMs()
	heard.mu.Unlock()
	out.MicLateMs = float64(mic.lateMax.Load()) / 1e6
	return out
}

func emit(v any) {
	line, _ := json.Marshal(v)
	fmt.Println(string(line))
}

func run() error {
	lksdk.SetLogger(protoLogger.GetDiscardLogger())
	in := bufio.NewReader(os.Stdin)
	first, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the spec: %w", err)
	}
	var spec Spec
	if err := json.Unmarshal(first, &spec); err != nil {
		return fmt.Errorf("the spec: %w", err)
	}
	if len(spec.Plans) == 0 || len(spec.Sentences) == 0 || len(spec.Between) == 0 {
		return errors.New("the spec needs plans, sentences and what is heard between them")
	}
	n := len(spec.Plans)
	rng := rand.New(rand.NewSource(spec.Seed))
	line := &startLine{waiting: n, all: make(chan struct{}), released: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	outcomes := make([]Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		offset := seconds(rng.Float64() * spec.MaxOffsetS)
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = call(i, &spec, line, offset, client)
		}()
	}
	waitFor(line.all, seconds(spec.ArriveS))
	line.mu.Lock()
	arrived := n - line.waiting
	line.mu.Unlock()
	emit(map[string]any{"event": "ready", "arrived": arrived})
	if _, err := in.ReadBytes('\n'); err != nil {
		return fmt.Errorf("waiting for the release: %w", err)
	}
	close(line.released)
	wg.Wait()
	emit(map[string]any{"event": "done", "calls": outcomes})
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gocallers:", err)
		os.Exit(1)
	}
}
