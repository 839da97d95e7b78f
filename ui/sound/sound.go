// Package sound plays the terminal's cue sounds: a rising two-note chime for
// PASS, three low buzzes for DENY, and a double beep for RECHECK and MEASURE.
// The sounds are bundled WAV files (assets/sounds) played through
// github.com/ebitengine/oto/v3 (ALSA on Linux).
//
// Audio is a courtesy, never a dependency: when no sound device exists (a
// CI machine, a kiosk without speakers) Open logs one warning and returns a
// silent Player, and Play never blocks, fails or panics.
//
// oto allows one audio context per process: call Open once, in main, and
// hand the Player to ui.Deps.Sound.
package sound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Cue names one of the bundled sounds.
type Cue int

const (
	CueNone Cue = iota
	// CuePass: sounds/pass.wav.
	CuePass
	// CueDeny: sounds/deny.wav.
	CueDeny
	// CueAttention: sounds/attention.wav, for recheck and measure.
	CueAttention
)

// String returns the cue's file stem.
func (c Cue) String() string {
	switch c {
	case CuePass:
		return "pass"
	case CueDeny:
		return "deny"
	case CueAttention:
		return "attention"
	}
	return "none"
}

// CueFor is the sound played for an outcome; OutcomeNone has none.
func CueFor(o checkpoint.Outcome) Cue {
	switch o {
	case checkpoint.OutcomePass:
		return CuePass
	case checkpoint.OutcomeDeny:
		return CueDeny
	case checkpoint.OutcomeRecheck, checkpoint.OutcomeMeasure:
		return CueAttention
	}
	return CueNone
}

// SampleRate and Channels of the audio context; the bundled cues match.
const (
	SampleRate = 48000
	Channels   = 1
)

// LoadCues decodes the bundled cue sounds.
func LoadCues() (map[Cue]PCM, error) {
	cues := make(map[Cue]PCM, 3)
	for _, c := range []Cue{CuePass, CueDeny, CueAttention} {
		name := "sounds/" + c.String() + ".wav"
		b, err := assets.Sounds.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading bundled sound %s: %w", name, err)
		}
		p, err := DecodeWAV(b)
		if err != nil {
			return nil, fmt.Errorf("decoding bundled sound %s: %w", name, err)
		}
		if p.SampleRate != SampleRate || p.Channels != Channels {
			return nil, fmt.Errorf("bundled sound %s is %d Hz, %d channels; want %d Hz, %d", name, p.SampleRate, p.Channels, SampleRate, Channels)
		}
		cues[c] = p
	}
	return cues, nil
}

// Player plays cues. The zero value and a nil *Player are silent.
type Player struct {
	log  *slog.Logger
	ctx  *oto.Context
	cues map[Cue]PCM

	mu       sync.Mutex
	current  *oto.Player // kept referenced while it plays
	voice    VoiceOptions
	voiceSet bool                      // SetVoice was called (else: voice on, full volume)
	voices   map[string]map[string]PCM // clips by language, loaded on first use
}

// Open decodes the cues and opens the default audio device, waiting at most
// until ctx is done or five seconds for it to become ready. It always returns
// a usable Player: on any failure it logs a warning and the Player is silent.
func Open(ctx context.Context, log *slog.Logger) *Player {
	if log == nil {
		log = slog.Default()
	}
	p := &Player{log: log}
	cues, err := LoadCues()
	if err != nil {
		log.Warn("sounds disabled", "err", err)
		return p
	}
	silenceALSA()
	octx, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate:   SampleRate,
		ChannelCount: Channels,
		Format:       oto.FormatSignedInt16LE,
		BufferSize:   40 * time.Millisecond,
	})
	if err != nil {
		log.Warn("sounds disabled: no audio output", "err", fmt.Errorf("opening audio context: %w", err))
		return p
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case <-ready:
	case <-wait.Done():
		log.Warn("sounds disabled: audio device not ready", "err", wait.Err())
		return p
	}
	if err := octx.Err(); err != nil {
		log.Warn("sounds disabled: no audio output", "err", fmt.Errorf("opening audio device: %w", err))
		return p
	}
	p.ctx, p.cues = octx, cues
	log.Info("sounds enabled", "rate", SampleRate)
	return p
}

// Silent reports whether Play does nothing (no device, or cues missing).
func (p *Player) Silent() bool { return p == nil || p.ctx == nil }

// ErrSilent is returned by PlayCue when there is no audio output.
var ErrSilent = errors.New("no audio output")

// Play starts the cue for an outcome and returns at once; a cue still
// playing is cut off, so the newest verdict is always the one heard.
func (p *Player) Play(o checkpoint.Outcome) {
	if err := p.PlayCue(CueFor(o)); err != nil && !errors.Is(err, ErrSilent) {
		p.log.Warn("playing sound", "outcome", o, "err", err)
	}
}

// PlayCue starts c and returns at once. CueNone stops what is playing.
func (p *Player) PlayCue(c Cue) error {
	if p.Silent() {
		return ErrSilent
	}
	if err := p.ctx.Err(); err != nil {
		return fmt.Errorf("audio device: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current != nil {
		p.current.Pause() // oto v3.4+: a paused player needs no Close
		p.current = nil
	}
	pcm, ok := p.cues[c]
	if !ok {
		return nil
	}
	p.startLocked(pcm)
	return nil
}

// playPCM plays pcm (at SampleRate) in place of whatever plays.
func (p *Player) playPCM(pcm PCM) error {
	if err := p.ctx.Err(); err != nil {
		return fmt.Errorf("audio device: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current != nil {
		p.current.Pause()
		p.current = nil
	}
	p.startLocked(pcm)
	return nil
}

// startLocked starts pcm at the configured volume; p.mu is held.
func (p *Player) startLocked(pcm PCM) {
	pl := p.ctx.NewPlayer(bytes.NewReader(pcm.Data))
	if p.voiceSet {
		pl.SetVolume(p.voice.Volume)
	}
	pl.Play()
	p.current = pl
}
