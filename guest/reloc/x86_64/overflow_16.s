# One R_X86_64_16 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow) like GNU ld.
# kemu-link: base=0xffffffff80000000
# kemu-sym: b16_over = 0x10000
# kemu-expect: RelocationOverflow R_X86_64_16
	.text
	.globl	f
f:	ret
	.data
	.globl	over
over:
	.reloc	., R_X86_64_16, b16_over
	.word	0
