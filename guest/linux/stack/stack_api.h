/* SPDX-License-Identifier: GPL-2.0 */
/* What stack_base exports for the modules stacked on it. */
#ifndef KEMU_STACK_API_H
#define KEMU_STACK_API_H

int stack_base_add(int a, int b);		/* EXPORT_SYMBOL */
int stack_base_secret(void);			/* EXPORT_SYMBOL_GPL */
extern int stack_base_calls;			/* EXPORT_SYMBOL: data, not code */

#endif
