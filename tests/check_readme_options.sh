#!/usr/bin/env bash
# The README's options table is the tool's `options --markdown` output.
set -eu
tool=$1 readme=$2
want=$("$tool" options --markdown)
have=$(sed -n '/<!-- options-table -->/,/<!-- \/options-table -->/p' "$readme" | sed '1d;$d')
if [ "$want" != "$have" ]; then
    echo "README options table is out of date; regenerate with: leakcheck options --markdown"
    diff <(echo "$want") <(echo "$have")
    exit 1
fi
echo "README options table matches"
