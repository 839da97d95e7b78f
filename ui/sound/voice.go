package sound

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Voice clips, by name (assets/voice/<language>/<name>.wav).
const (
	ClipPass        = "pass"
	ClipDenyRed     = "deny_red"
	ClipDenyYellow  = "deny_yellow"
	ClipDenyInvalid = "deny_invalid" // the code did not verify
	ClipDenyExpired = "deny_expired" // expired, too old (a stale dynamic code), not yet valid
	ClipDenyOther   = "deny_other"
	ClipRecheck     = "recheck"
	ClipMeasure     = "measure" // also the interim "step up to the thermometer"
)

// VoiceLanguages are the languages clips exist in.
var VoiceLanguages = []string{"en", "zh-CN"}

// VoiceClip is the clip spoken for a verdict: the outcome, and for a DENY
// its main reason class; "" for none.
func VoiceClip(v checkpoint.Verdict) string {
	switch v.Outcome {
	case checkpoint.OutcomePass:
		return ClipPass
	case checkpoint.OutcomeRecheck:
		return ClipRecheck
	case checkpoint.OutcomeMeasure:
		return ClipMeasure
	case checkpoint.OutcomeDeny:
	default:
		return ""
	}
	switch {
	case v.Reason == checkpoint.ReasonRed:
		return ClipDenyRed
	case v.Reason == checkpoint.ReasonYellow:
		return ClipDenyYellow
	case v.Failure == checkpoint.FailExpired || v.Failure == checkpoint.FailTooOld || v.Failure == checkpoint.FailNotYetValid:
		return ClipDenyExpired
	case v.Failure != checkpoint.FailNone:
		return ClipDenyInvalid
	}
	return ClipDenyOther
}

// VoiceLanguage maps a UI language ("en", "zh-CN", "" for the system's) to
// the clips' language: Chinese when it or the locale says zh, else English.
func VoiceLanguage(ui string) string {
	l := ui
	if l == "" || l == "system" {
		for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
			if v := os.Getenv(k); v != "" {
				l = v
				break
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(l), "zh") {
		return "zh-CN"
	}
	return "en"
}

// LoadVoice decodes the bundled clips of lang, resampled to SampleRate.
func LoadVoice(lang string) (map[string]PCM, error) {
	out := map[string]PCM{}
	for _, name := range []string{ClipPass, ClipDenyRed, ClipDenyYellow, ClipDenyInvalid, ClipDenyExpired, ClipDenyOther, ClipRecheck, ClipMeasure} {
		path := "voice/" + lang + "/" + name + ".wav"
		b, err := assets.Voice.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading bundled clip %s: %w", path, err)
		}
		p, err := DecodeIMAADPCM(b)
		if err != nil {
			return nil, fmt.Errorf("decoding bundled clip %s: %w", path, err)
		}
		out[name] = Resample(p, SampleRate)
	}
	return out, nil
}

// VoiceOptions are the [voice] settings.
type VoiceOptions struct {
	// Enabled speaks the verdict after its cue.
	Enabled bool
	// Volume scales cues and voice, 0..1 (1 full).
	Volume float64
}

// SetVoice sets the voice options (safe at any time).
func (p *Player) SetVoice(o VoiceOptions) {
	if p == nil {
		return
	}
	o.Volume = min(max(o.Volume, 0), 1)
	p.mu.Lock()
	p.voice, p.voiceSet = o, true
	p.mu.Unlock()
}

// Utterance is what PlayVerdict plays: the outcome's cue, 120 ms of
// silence and the spoken clip (when the voice is on), as one PCM.
func (p *Player) Utterance(v checkpoint.Verdict, uiLang string) (PCM, error) {
	p.mu.Lock()
	o, set := p.voice, p.voiceSet
	cue := p.cues[CueFor(v.Outcome)]
	p.mu.Unlock()
	out := PCM{SampleRate: SampleRate, Channels: Channels, Data: bytes.Clone(cue.Data)}
	if set && !o.Enabled {
		return out, nil
	}
	clip := VoiceClip(v)
	if clip == "" {
		return out, nil
	}
	lang := VoiceLanguage(uiLang)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.voices == nil {
		p.voices = map[string]map[string]PCM{}
	}
	clips, ok := p.voices[lang]
	if !ok {
		var err error
		if clips, err = LoadVoice(lang); err != nil {
			return out, err
		}
		p.voices[lang] = clips
	}
	out.Data = append(out.Data, make([]byte, 2*SampleRate*120/1000)...)
	out.Data = append(out.Data, clips[clip].Data...)
	return out, nil
}

// PlayVerdict plays the cue and the spoken prompt for v in the UI's
// language and returns at once; what was playing is cut off.
func (p *Player) PlayVerdict(v checkpoint.Verdict, uiLang string) {
	if p.Silent() {
		return
	}
	u, err := p.Utterance(v, uiLang)
	if err != nil {
		p.log.Warn("voice", "err", err)
	}
	if err := p.playPCM(u); err != nil {
		p.log.Warn("playing sound", "outcome", v.Outcome, "err", err)
	}
}
