/** Types for build-state.js (plain JavaScript: bin/ runs before anything is compiled). */
export declare const root: string;
export declare const STAMP: string;
export declare function buildState(dir?: string): 'current' | 'missing' | 'stale';
