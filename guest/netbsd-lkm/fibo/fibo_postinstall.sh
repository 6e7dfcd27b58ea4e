#!/bin/sh
#
# Post-install script for the fibo module, from the NetBSD 1.6 LKM tutorial.
# modload(8) runs it after a successful load as
#	fibo_postinstall.sh <module id> <module type> <character major>
# (decimal id, hexadecimal type, and for a device module the major number
# the kernel picked).  It (re)creates the eight device nodes.
#
# Usage: modload -e fibo_lkmentry -p fibo_postinstall.sh fibo.o

if [ $# -ne 3 ]; then
  echo "$0 should only be called from modload(8) with 3 args"
  exit 1
fi

for i in 0 1 2 3 4 5 6 7; do
  rm -f /dev/fibo$i
  mknod /dev/fibo$i c $3 $i
  chmod 666 /dev/fibo$i
done

exit 0
