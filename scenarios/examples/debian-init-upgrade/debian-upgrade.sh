#!/bin/sh
# The `upgrade` action of Debian's /etc/init.d/nginx (package nginx 1.22.1), pointed at the run's
# own pid file instead of /run/nginx.pid: USR2 to the master in the pid file, then wait, polling
# once a second for at most 10 s, until both nginx.pid.oldbin and a new nginx.pid are there, then
# QUIT to the old master. It sends no WINCH: the QUIT stops the old workers together with their
# master. Exit status as the init script's: 1 nginx not running, 2 pid files not created in time,
# 3 the old master could not be signalled.
PID="$HOTDEPLOY_PID_FILE"
NAME=nginx
if ! start-stop-daemon --stop --signal USR2 --quiet --pidfile "$PID" --name "$NAME"; then
	exit 1
fi
cnt=0
while [ ! -s "${PID}.oldbin" ] || [ ! -s "${PID}" ]; do
	cnt=$((cnt + 1))
	if [ "$cnt" -gt 10 ]; then
		exit 2
	fi
	sleep 1
done
if ! start-stop-daemon --stop --signal QUIT --quiet --pidfile "${PID}.oldbin" --name "$NAME"; then
	exit 3
fi
