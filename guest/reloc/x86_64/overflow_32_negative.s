# One R_X86_64_32 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow) like GNU ld.
# kemu-link: base=0xffffffff80000000
# kemu-sym: neg_one = 0xffffffffffffffff
# kemu-expect: RelocationOverflow R_X86_64_32
	.text
	.globl	f
f:	ret
	.data
	.globl	over
over:
	.reloc	., R_X86_64_32, neg_one
	.long	0
