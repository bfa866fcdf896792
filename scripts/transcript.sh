#!/usr/bin/env bash
# Records a real two-user session for the README: two homes on this machine,
# bob's `serve` and alice's `chat bob` each in a tmux terminal, driven by
# keystrokes; prints what the two terminals showed. Nothing is written by
# hand: run it again and paste its output.
#   bash scripts/transcript.sh            (uses dist/p2pchat, building it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x dist/p2pchat ] || bun run build >/dev/null
BIN="$PWD/dist/p2pchat"
work=$(mktemp -d)
sock="p2pchat-transcript-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
export NO_COLOR=1

cd "$work"
"$BIN" init --home alice --name alice --host 127.0.0.1 --port 21001 >/dev/null 2>&1
"$BIN" init --home bob --name bob --host 127.0.0.1 --port 21002 >/dev/null 2>&1

t() { tmux -L "$sock" "$@"; }
keys() { t send-keys -t "$1" -l "$2"; t send-keys -t "$1" Enter; sleep "${3:-0.8}"; }
screen() { t capture-pane -p -t "$1" | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }

# Shell panes, so the commands typed show as a person would see them. Nothing
# leaves this machine: discovery beyond loopback is off.
t new-session -d -s bob -x 110 -y 24 -c "$work" "PS1='bob\$ ' bash --norc"
t new-session -d -s alice -x 90 -y 18 -c "$work" "PS1='alice\$ ' bash --norc"
sleep 0.5
keys alice "alias p2pchat=$BIN; export P2PCHAT_HOME=alice P2PCHAT_DISCOVERY=off; clear" 0.3
keys bob "alias p2pchat=$BIN; export P2PCHAT_HOME=bob P2PCHAT_DISCOVERY=off; clear" 0.3

keys bob "p2pchat serve" 1.5
invite=$(P2PCHAT_DISCOVERY=off "$BIN" invite --home bob 2>/dev/null)
keys alice "p2pchat add $invite" 1.5
added=$(t capture-pane -p -J -t alice | sed -e 's/[[:space:]]*$//')  # -J: wrapped rows joined back into lines
keys alice "clear" 0.3
keys alice "p2pchat chat bob --no-hidden" 1.5
keys alice "hi bob, it is alice" 1
t send-keys -t bob -l "@alice hello alice! got it"
t send-keys -t bob Enter
t send-keys -t alice -l "half a line typed when b"
sleep 1
t send-keys -t alice -l "ob answered"
t send-keys -t alice Enter
sleep 1
keys alice "/discoverable off" 1
keys alice "this waits while I am hidden" 1
hidden=$(screen alice)
keys alice "/discoverable on" 2.5
chat=$(screen alice)
keys alice "/quit" 1
keys alice "p2pchat history bob" 1

echo "--- alice adds bob with the line bob's \`p2pchat invite\` printed ---"
echo "alice\$ p2pchat add ${invite:0:48}..."
echo "$added" | sed -n '/^added /,/^alice\$/p' | sed '$d'
echo
echo "--- alice's chat with bob, while hidden ---"
echo "$hidden"
echo
echo "--- the same chat, discoverable again ---"
echo "$chat"
echo
echo "--- alice's terminal after /quit ---"
screen alice
echo
echo "--- bob's terminal ---"
screen bob
