package storage

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// A recorded statement keeps its arguments encoded in one byte slice, not
// as []any: a bench records hundreds of thousands of statements, and as
// interfaces they would be pointers the garbage collector scans on every
// cycle of the server being measured; a byte slice is one pointer to memory
// it does not scan. The encoding is a tag byte per argument and its value:
// the types database/sql hands a driver (driver.Value) and nothing else.

const (
	argNil byte = iota
	argInt64
	argFloat64
	argFalse
	argTrue
	argString
	argBytes
	argTime
)

// encodeArgs appends the encoding of args to buf. An argument the default
// converter does not turn into a driver.Value is an error: the driver would
// get it as it is, which a replay could not reproduce faithfully.
func encodeArgs(buf []byte, args []any) ([]byte, error) {
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("storage: recording writes: argument %d (%T): %w", i+1, a, err)
		}
		switch v := v.(type) {
		case nil:
			buf = append(buf, argNil)
		case int64:
			buf = binary.LittleEndian.AppendUint64(append(buf, argInt64), uint64(v))
		case float64:
			buf = binary.LittleEndian.AppendUint64(append(buf, argFloat64), math.Float64bits(v))
		case bool:
			if v {
				buf = append(buf, argTrue)
			} else {
				buf = append(buf, argFalse)
			}
		case string:
			buf = append(binary.AppendUvarint(append(buf, argString), uint64(len(v))), v...)
		case []byte:
			if v == nil { // the driver writes a nil slice as NULL, an empty one as X''
				buf = append(buf, argNil)
				break
			}
			buf = append(binary.AppendUvarint(append(buf, argBytes), uint64(len(v))), v...)
		case time.Time:
			b, err := v.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("storage: recording writes: argument %d: %w", i+1, err)
			}
			buf = append(binary.AppendUvarint(append(buf, argTime), uint64(len(b))), b...)
		default:
			return nil, fmt.Errorf("storage: recording writes: argument %d has type %T", i+1, v)
		}
	}
	return buf, nil
}

// decodeArgs is the inverse of encodeArgs.
func decodeArgs(buf []byte) ([]any, error) {
	var out []any
	for len(buf) > 0 {
		tag := buf[0]
		buf = buf[1:]
		switch tag {
		case argNil:
			out = append(out, nil)
		case argInt64, argFloat64:
			if len(buf) < 8 {
				return nil, fmt.Errorf("storage: recorded arguments: short number")
			}
			u := binary.LittleEndian.Uint64(buf)
			buf = buf[8:]
			if tag == argInt64 {
				out = append(out, int64(u))
			} else {
				out = append(out, math.Float64frombits(u))
			}
		case argFalse, argTrue:
			out = append(out, tag == argTrue)
		case argString, argBytes, argTime:
			n, k := binary.Uvarint(buf)
			if k <= 0 || uint64(len(buf)-k) < n {
				return nil, fmt.Errorf("storage: recorded arguments: bad length")
			}
			b := buf[k : k+int(n)]
			buf = buf[k+int(n):]
			switch tag {
			case argString:
				out = append(out, string(b))
			case argBytes:
				out = append(out, append([]byte{}, b...))
			default:
				var t time.Time
				if err := t.UnmarshalBinary(b); err != nil {
					return nil, fmt.Errorf("storage: recorded arguments: %w", err)
				}
				out = append(out, t)
			}
		default:
			return nil, fmt.Errorf("storage: recorded arguments: unknown tag %d", tag)
		}
	}
	return out, nil
}
