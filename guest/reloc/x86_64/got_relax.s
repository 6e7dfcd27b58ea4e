# The relaxable GOT family as gas emits it by default: R_X86_64_GOTPCRELX (no REX) and
# R_X86_64_REX_GOTPCRELX, in every instruction form GNU ld rewrites (mov, call, jmp, test,
# binop), against externals, globals, locals and a weak undefined symbol. kemu keeps the GOT
# loads; ld relaxes them, so the tests compare the value each instruction ends up with.
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_func = 0xffffffff81000000
# kemu-sym: ext_data = 0xffffffff81800040
	.text
	.globl	gotx_entry
	.type	gotx_entry, @function
gotx_entry:
	movq	ext_func@GOTPCREL(%rip), %rax	# REX_GOTPCRELX mov, external
	movq	gvar@GOTPCREL(%rip), %r11	# REX_GOTPCRELX mov into r11 (REX.B)
	movq	local_fn@GOTPCREL(%rip), %rbx	# REX_GOTPCRELX against a local symbol
	movq	wu@GOTPCREL(%rip), %rcx		# REX_GOTPCRELX, weak undefined: slot holds 0
	addq	ext_data@GOTPCREL(%rip), %rax	# REX_GOTPCRELX binop
	cmpq	gvar@GOTPCREL(%rip), %rdx	# REX_GOTPCRELX binop (cmp)
	testq	%rsi, ext_data@GOTPCREL(%rip)	# REX_GOTPCRELX test
	call	*ext_func@GOTPCREL(%rip)	# GOTPCRELX call
	call	*local_fn@GOTPCREL(%rip)	# GOTPCRELX call, local
	jmp	*ext_func@GOTPCREL(%rip)	# GOTPCRELX jmp
	.size	gotx_entry, .-gotx_entry

local_fn:
	ret

	.data
	.globl	gvar
	.type	gvar, @object
gvar:
	.quad	42
	.size	gvar, 8
	.weak	wu
