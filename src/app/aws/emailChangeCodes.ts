/** Takes a root-e-mail-change code for an alias that has an adoption waiting for it. */
export interface EmailChangeCodes {
  /** True when an adoption took the code: the relay then records the mail as handed over and never posts or stores the code. */
  take(code: { address: string; code: string; mailId: string; receivedAt: string }): Promise<boolean>;
}
