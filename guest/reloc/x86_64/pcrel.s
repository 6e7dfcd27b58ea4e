# PC-relative relocations: R_X86_64_PC32, PLT32, PC64, PC16, PC8; calls and jumps to
# externals, to globals and to other sections; RIP-relative data; negative addends.
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_func = 0xffffffff81000000
# kemu-sym: ext_other = 0xffffffff80f00010
# kemu-sym: near_fn = base + 0x10
	.text
	.globl	pc_entry
	.type	pc_entry, @function
pc_entry:
	call	ext_func			# R_X86_64_PLT32, external
	call	pc_helper			# PLT32, global in another section
	call	local_fn			# PC32 via section symbol (local target)
	jmp	ext_other			# PLT32 for a tail call
	movl	counter(%rip), %eax		# R_X86_64_PC32 against a global in .data
	leaq	message+3(%rip), %rsi		# PC32 .rodata + 3
	movq	%rax, local_bss+8(%rip)		# PC32 into .bss
	cmpl	$7, counter+4(%rip)		# PC32 with an immediate after the field (A = -8)
	leaq	ext_func-0x40(%rip), %rdx	# PC32 external, negative addend
	call	wu				# PLT32 to weak undefined: 0 - P
	ret
	.size	pc_entry, .-pc_entry

	.section .text.helper,"ax",@progbits
	.globl	pc_helper
pc_helper:
	ret
local_fn:
	jmp	pc_entry			# PLT32 back to another section
	.byte	near_fn - .			# R_X86_64_PC8 to an external near P

	.section .rodata,"a",@progbits
message:
	.asciz	"hello, relocations"
	.align	8
offsets:
	.long	pc_entry - .			# PC32 in data
	.long	ext_func - . + 0x10		# PC32 external with addend
	.quad	ext_other - .			# R_X86_64_PC64
	.quad	pc_helper - . - 0x100		# PC64 negative addend
	.quad	wu - .				# PC64 weak undefined
	.word	pc_helper - . + 0x10		# R_X86_64_PC16 rodata -> text (a few KiB back)

	.data
	.globl	counter
counter:
	.long	1, 2, 3
	.word	local_fn - .			# R_X86_64_PC16 data -> text, section symbol
	.word	ext_other - 0xf00000 - .	# PC16 against an external, negative addend
	.align	8

	.bss
local_bss:
	.zero	32
	.weak	wu
