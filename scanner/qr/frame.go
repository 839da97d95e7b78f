package qr

type frameState struct{}
