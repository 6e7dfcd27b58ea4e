# One R_X86_64_32S field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow) like GNU ld.
# kemu-link: base=0xffffffff80000000
# kemu-sym: s32_under = 0xffffffff7fffffff
# kemu-expect: RelocationOverflow R_X86_64_32S
	.text
	.globl	f
f:	ret
	.data
	.globl	over
over:
	.reloc	., R_X86_64_32S, s32_under
	.long	0
