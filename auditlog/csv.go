package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvHeader names the CSV columns: the fields of an entry, data last as its
// canonical JSON text.
var csvHeader = []string{"index", "at", "actor", "acting_for", "action", "request_id", "request_version", "data"}

// WriteCSV writes entries [first, end) as CSV for people: one row per entry.
// It carries no proofs; the NDJSON export is the one to verify.
func WriteCSV(ctx context.Context, src ExportSource, w io.Writer, first, end int64) error {
	bw := bufio.NewWriterSize(w, exportBufferSize)
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	err := src.StreamAuditEntries(ctx, first, end, func(idx int64, entry []byte) error {
		row, err := csvRow(entry)
		if err != nil {
			return fmt.Errorf("auditlog: entry %d: %w", idx, err)
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvEntry is the decoding side of an entry for CSV. Data stays raw: it is
// already canonical JSON text inside the canonical entry.
type csvEntry struct {
	Index          int64           `json:"index"`
	At             string          `json:"at"`
	Actor          string          `json:"actor"`
	ActingFor      string          `json:"acting_for"`
	Action         string          `json:"action"`
	RequestID      string          `json:"request_id"`
	RequestVersion int64           `json:"request_version"`
	Data           json.RawMessage `json:"data"`
}

func csvRow(entry []byte) ([]string, error) {
	var e csvEntry
	dec := json.NewDecoder(bytes.NewReader(entry))
	if err := dec.Decode(&e); err != nil {
		return nil, err
	}
	version := ""
	if e.RequestVersion != 0 {
		version = strconv.FormatInt(e.RequestVersion, 10)
	}
	row := []string{strconv.FormatInt(e.Index, 10), e.At, e.Actor, e.ActingFor, e.Action, e.RequestID, version, string(e.Data)}
	for i, cell := range row {
		row[i] = CSVCell(cell)
	}
	return row, nil
}

// CSVCell defuses a cell that a spreadsheet would run as a formula: one that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text (OWASP's CSV injection advice).
// Actors, actions and data come from users, so every cell goes through it.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
