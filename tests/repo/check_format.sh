#!/usr/bin/env bash
# check_format.sh: every C source of the repository is formatted as .clang-format says.
# Prints the files clang-format would change and exits 1 if there are any.
# Usage: check_format.sh REPO_ROOT
set -euo pipefail
cd "${1:-.}"
command -v clang-format >/dev/null || { echo "clang-format not found: run scripts/setup.sh"; exit 1; }
bad=0 count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! clang-format --dry-run -Werror "$file" >/dev/null 2>&1; then
    echo "not formatted: $file (clang-format -i $file)"
    bad=$((bad + 1))
  fi
done < <(git ls-files -z -- '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*' -print0)
echo "$count C files checked, $bad not formatted"
((bad == 0))
