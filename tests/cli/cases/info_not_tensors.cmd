parity info edge/notes.wav
