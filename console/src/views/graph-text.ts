/**
 * The API's Mermaid text with its edge labels left out (the legend says solid = depends on,
 * dotted = integrates with): on a graph this dense, the labels hide the nodes.
 */
export const unlabelled = (mermaidText: string): string => mermaidText.replace(/(-->|-\.->)\|[^|]*\|/g, '$1');
