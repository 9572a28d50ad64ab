// Entry point placeholder: being implemented in this session (issue 2).
export const handler = async (): Promise<never> => {
  throw new Error('not implemented yet');
};
