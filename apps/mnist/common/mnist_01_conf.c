/*
 * mnist_01_conf.c - the intermediate tutorial's schemas (hydra-torch's names) and registration.
 */
#include "cydra/store.h"
#include "mnist_01_conf.h"

CY_SCHEMA_NAMED(M1DataLoaderConf, "DataLoaderConf", M1_DATALOADER_CONF,
                "torch.utils.data.DataLoader's arguments (hydra-torch)")
CY_SCHEMA_NAMED(M1MNISTConf, "MNISTConf", M1_MNIST_CONF,
                "torchvision.datasets.MNIST's arguments (hydra-torch)")
CY_SCHEMA_NAMED(M1NetConf, "MNISTNetConf", M1_NET_CONF, "the tutorial's configurable Net")
CY_SCHEMA_NAMED(M1TopLvlConf, "TopLvlConf", M1_TOPLVL_CONF, "the intermediate tutorial's settings")

int mnist_01_conf_register(void) {
    return cy_store_schema(cy_store_instance(), NULL, "toplvlconf", &M1TopLvlConf_schema);
}
