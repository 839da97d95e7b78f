package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// ErrNotAccepted is returned by Probe when the hub answered but refused
// this device's id or token (HTTP 401 or 403): the device is not enrolled,
// or its token was revoked.
var ErrNotAccepted = errors.New("the hub does not accept this device")

// Probe asks the hub for the trust list as this device, without storing
// anything, to tell whether the hub is reachable and accepts the device.
// It returns nil when the hub answered 200 or 304, an error wrapping
// ErrNotAccepted for 401 or 403, and another error when the hub is out of
// reach or failing.
func (c *Client) Probe(ctx context.Context) error {
	resp, cancel, err := c.do(ctx, "probe", http.MethodGet, wire.PathTrustList, nil, nil, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotModified:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: %w", ErrNotAccepted, errorFrom("probe", resp))
	default:
		return errorFrom("probe", resp)
	}
}
