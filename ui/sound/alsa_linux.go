//go:build linux && cgo

package sound

// ALSA's library prints its own complaints to stderr (a dozen lines when a
// kiosk has no sound card), which a guard's log and a newcomer's terminal do
// not need: Open reports the outcome once, through slog.

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>

static void checkpointQuietALSA(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

static void checkpointSilenceALSA(void) {
	snd_lib_error_set_handler(checkpointQuietALSA);
}
*/
import "C"

// silenceALSA routes libasound's error messages nowhere.
func silenceALSA() { C.checkpointSilenceALSA() }
