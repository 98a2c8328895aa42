package backoffice

import (
	"context"
	"log/slog"
)

// LogSender is an issuer.TxCodeSender for an issuer without an SMS gateway:
// it writes to a log that the tx_code of an offer was sent, instead of
// sending it.
//
// In production (Dev false) the line says only "tx_code for offer X sent by
// SMS" — never the code. A log is read by more people than the citizen
// (operations staff, log shippers, whoever restores a backup) and kept
// longer than the code lives: with the code in it, anyone who also saw the
// offer's QR code at the counter could redeem the citizen's credential.
// The operator who created the offer sees the code once, in the back
// office's answer, which is where a real agency's SMS gateway takes it
// from.
//
// In development (Dev true, seoulid issuer serve --dev) the line carries
// the code as well, so that someone testing a wallet on one machine, with
// no SMS, can read it from the issuer's log.
type LogSender struct {
	// Logger receives the lines; nil discards them.
	Logger *slog.Logger
	// Dev puts the tx_code itself in the log line. Never set it in
	// production (see the type's documentation).
	Dev bool
}

// SendTxCode implements issuer.TxCodeSender. It never fails.
func (s LogSender) SendTxCode(ctx context.Context, offerID, txCode string) error {
	if s.Logger == nil {
		return nil
	}
	if s.Dev {
		s.Logger.InfoContext(ctx, "tx_code for offer "+offerID+" sent by SMS (development: the code is logged)", "offer", offerID, "tx_code", txCode)
		return nil
	}
	s.Logger.InfoContext(ctx, "tx_code for offer "+offerID+" sent by SMS", "offer", offerID)
	return nil
}
