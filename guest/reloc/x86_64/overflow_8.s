# One R_X86_64_8 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow) like GNU ld.
# kemu-link: base=0xffffffff80000000
# kemu-sym: b8_under = 0xfffffffffffffeff
# kemu-expect: RelocationOverflow R_X86_64_8
	.text
	.globl	f
f:	ret
	.data
	.globl	over
over:
	.reloc	., R_X86_64_8, b8_under
	.byte	0
