parity info python --format csv
